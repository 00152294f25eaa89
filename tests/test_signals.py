"""Per-frame signals on real landmark recordings: shapes, absence, eyes, hands."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.attention.signals import compute_signals
from pipeline.types import LandmarkSeries
from tests.conftest import recording

PER_FRAME = (
    "confidence",
    "head_yaw_deg",
    "head_pitch_deg",
    "head_roll_deg",
    "eye_yaw_deg",
    "eye_pitch_deg",
    "gaze_yaw_deg",
    "gaze_pitch_deg",
    "eye_openness",
    "hands_visible",
    "hands_low",
    "hand_motion",
)


def _median_in(name: str, field: str, start_ms: int, end_ms: int) -> float:
    s = compute_signals(recording(name))
    inside = (s.timestamp_ms >= start_ms) & (s.timestamp_ms <= end_ms)
    return float(np.nanmedian(getattr(s, field)[inside]))


def test_signals_have_one_value_per_frame_and_nan_without_a_face() -> None:
    series = recording("composite_camera_off_and_back")  # camera off for 8 s in the middle
    s = compute_signals(series)
    for field in PER_FRAME:
        assert getattr(s, field).shape == (len(series),), field
    absent = ~s.face_present
    assert 0.2 < absent.mean() < 0.8
    assert np.isnan(s.gaze_yaw_deg[absent]).all() and (s.confidence[absent] == 0).all()
    assert np.isfinite(s.gaze_yaw_deg[~absent]).all()


@pytest.mark.parametrize(
    ("clip", "field", "centre", "aside", "min_change"),
    [
        # eye-only glance: the iris moves, the head does not
        ("phone_eyes_center_left_center", "eye_yaw_deg", (1000, 5000), (6000, 10000), 8.0),
        ("phone_eyes_center_right_center", "eye_yaw_deg", (1000, 5000), (6200, 9800), 8.0),
        # eyes held shut: the lid aperture collapses
        ("selfie_d14_eye_shifts", "eye_openness", (9000, 12600), (5000, 6800), 0.12),
        # looking down at the desk: the head bows
        ("webcam_lab_student", "head_pitch_deg", (0, 1400), (10000, 13400), 10.0),
    ],
)
def test_a_real_change_moves_its_signal(
    clip: str, field: str, centre: tuple[int, int], aside: tuple[int, int], min_change: float
) -> None:
    change = _median_in(clip, field, *aside) - _median_in(clip, field, *centre)
    assert abs(change) >= min_change


def test_head_stays_put_during_an_eye_only_glance() -> None:
    name = "phone_eyes_center_left_center"
    change = _median_in(name, "head_yaw_deg", 6000, 10000) - _median_in(
        name, "head_yaw_deg", 0, 5000
    )
    assert abs(change) < 3.0


def test_hands_on_a_keyboard_are_seen_low_in_the_frame() -> None:
    s = compute_signals(recording("sidecam_hands_keyboard"))
    assert (s.hands_visible > 0).mean() > 0.9
    assert s.hands_low.mean() > 0.8
    assert np.isfinite(s.hand_motion[1:]).mean() > 0.9


def test_an_empty_series_gives_empty_signals() -> None:
    series = recording("phone_eyes_center").slice(0, 0)
    assert isinstance(series, LandmarkSeries)
    assert len(compute_signals(series)) == 0

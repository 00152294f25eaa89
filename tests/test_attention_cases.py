"""The failure cases of issue 12 on real recordings: head turns with the eyes on the lens,
downcast eyes that are not closed, and recordings that show no screen direction at all."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.attention.calibrate import classify, learn_baseline, raw_states
from pipeline.attention.signals import compute_signals
from pipeline.config import PipelineConfig
from pipeline.types import Attention, AttentionSeries
from tests.conftest import LANDMARKS_DIR, recording


def _states(name: str) -> AttentionSeries:
    return classify(compute_signals(recording(name)))


def _shares(name: str, start_ms: int, end_ms: int) -> dict[Attention, float]:
    states = _states(name)
    inside = (states.timestamp_ms >= start_ms) & (states.timestamp_ms <= end_ms)
    assert inside.sum() >= 3, f"{name}: too few frames in {start_ms}-{end_ms} ms"
    return {a: float(np.mean(states.attention[inside] == a)) for a in Attention}


@pytest.mark.parametrize(
    ("clip", "start_ms", "end_ms", "state", "min_share"),
    [
        # OpenFace demo: head turned about 25 degrees each way, eyes kept on the lens
        ("webcam_office_man", 13400, 17800, Attention.SCREEN, 0.9),
        # ... head lowered about 30 degrees, eyes still on the lens (about 2 of 11 frames go)
        ("webcam_office_man", 18200, 20600, Attention.SCREEN, 0.7),
        # ... head tilted back about 20 degrees, eyes still on the lens
        ("webcam_office_man", 20800, 22600, Attention.SCREEN, 0.9),
        # ... while eye-only glances aside, with the head still, stay away
        ("webcam_office_man", 6800, 7400, Attention.AWAY, 0.9),
        ("webcam_office_man", 11600, 12000, Attention.AWAY, 0.9),
        # eye-only glances far to either side: away, though the iris then reads lower
        # against the slanting eye corners (as much as 13 degrees of "down" with gain 2)
        ("studio_d0_glance", 640, 2400, Attention.AWAY, 0.9),
        # a phone selfie turning the head with the eyes on the lens
        (
            "phone_selfie_young_man_head_turns_eyes_on_camera_camera_covered",
            1900,
            5100,
            Attention.SCREEN,
            0.85,
        ),
        # downcast eyes, lids at 0.11-0.15 of the eye width with the iris showing: down
        ("vox_downcast", 400, 1600, Attention.DOWN, 0.9),
        ("vox_downcast", 4900, 5600, Attention.DOWN, 0.9),
        # eyes held shut for about 2.4 s, head still and level: closed
        ("phone_selfie_man_eyes_closed_twice_then_open", 6200, 7700, Attention.CLOSED, 0.9),
        ("phone_selfie_man_eyes_closed_twice_then_open", 11400, 13300, Attention.CLOSED, 0.9),
        # a long yawn with the eyes shut and the head tilted back: closed, not a look down
        (
            "stock_woman_yawns_eyes_closed_then_looks_at_camera_watermark",
            2000,
            8500,
            Attention.CLOSED,
            0.85,
        ),
        # looking down at a phone for the whole clip: no screen to learn, yet down
        ("phone_typing_looking_down", 300, 4400, Attention.DOWN, 0.8),
        # a small face (about 50 px wide) in a lecture hall: head and eyes turned aside ...
        ("exam_room_students_dozing_writing_stock_watermark", 2400, 5200, Attention.AWAY, 0.9),
        # ... and later the head resting on a hand, drowsy, the eyes on the lens
        ("exam_room_students_dozing_writing_stock_watermark", 16600, 20400, Attention.SCREEN, 0.9),
    ],
)
def test_real_clip_reads_as_labelled(
    clip: str, start_ms: int, end_ms: int, state: Attention, min_share: float
) -> None:
    shares = _shares(clip, start_ms, end_ms)
    assert shares[state] >= min_share, shares


def test_downcast_eyes_are_never_read_closed() -> None:
    shares = _shares("vox_downcast", 0, 1960)
    assert shares[Attention.CLOSED] == 0.0, shares


def test_shut_lids_over_a_resting_lower_lid_are_closed_not_down() -> None:
    # talk_blazer blinks at 4.2 and 4.6 s: lids at 0.02-0.03 of the eye width (no iris
    # showing) while the lower lid stays at 0.7 of its attending drop, as over a lowered eye.
    signals = compute_signals(recording("talk_blazer"))
    config = PipelineConfig()
    base = learn_baseline(signals, config)
    assert base is not None
    raw = raw_states(signals, base, config)
    blinks = np.isin(signals.timestamp_ms, [4200, 4600])
    assert blinks.sum() == 2
    assert (raw[blinks] == Attention.CLOSED).all(), raw[blinks]


def test_a_recording_spent_looking_down_falls_back_on_the_camera_prior() -> None:
    base = _states("phone_typing_looking_down").baseline
    assert base is not None
    assert base.source == "prior"
    assert base.as_dict()["source"] == "prior"
    assert base.frames_used == 0


def test_recordings_with_a_screen_direction_keep_their_own_baseline() -> None:
    # The priors are sanity bounds, not a second opinion: every other recorded clip (people
    # with narrow eyes, cameras above and below the screen, averted talkers) keeps its own.
    names = sorted(p.stem for p in LANDMARKS_DIR.glob("*.npz"))
    assert len(names) >= 40
    sources = {}
    for name in names:
        base = _states(name).baseline
        sources[name] = base.source if base is not None else "none"
    fell_back = sorted(n for n, s in sources.items() if s == "prior")
    assert fell_back == ["phone_typing_looking_down"], fell_back

"""Baselines and attention states on real landmark recordings, scored like `cuewatch eval`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.attention.calibrate import classify, learn_baseline
from pipeline.attention.signals import compute_signals
from pipeline.config import PipelineConfig
from pipeline.evaluation import evaluate
from pipeline.types import Attention
from tests.conftest import LANDMARKS_DIR, recording


def _states(name: str, config: PipelineConfig | None = None) -> tuple[np.ndarray, np.ndarray]:
    config = config or PipelineConfig()
    states = classify(compute_signals(recording(name), config), config)
    return states.timestamp_ms, states.attention


def _share(name: str, start_ms: int, end_ms: int, state: Attention) -> float:
    t, a = _states(name)
    inside = (t >= start_ms) & (t <= end_ms)
    return float(np.mean(a[inside] == state))


@pytest.mark.parametrize(
    ("clip", "start_ms", "end_ms", "state", "min_share"),
    [
        # eye-only look aside with the head still (phone selfie)
        ("phone_eyes_center_left_center", 6000, 10000, Attention.AWAY, 0.9),
        ("phone_eyes_center_right_center", 6200, 9800, Attention.AWAY, 0.9),
        # back on the lens after the glance
        ("phone_eyes_center_left_center", 10800, 15000, Attention.SCREEN, 0.9),
        # looking down at the desk between head turns
        ("webcam_lab_student", 10000, 13200, Attention.DOWN, 0.8),
        # eyes held shut with fluttering lids: closed, not a string of blinks
        ("selfie_d14_eye_shifts", 5200, 6600, Attention.CLOSED, 0.7),
        # lots of head turning with the eyes on the lens stays screen (the iris, counted twice
        # in a look down since issue 12, dips with a 10-degree turn at 0.4-1 s: 4 frames)
        ("talk_radio34", 0, 8000, Attention.SCREEN, 0.85),
        # a hard side light sweeping across the face
        ("webcam_lighting_sweep", 0, 5800, Attention.SCREEN, 0.95),
    ],
)
def test_states_on_real_recordings(
    clip: str, start_ms: int, end_ms: int, state: Attention, min_share: float
) -> None:
    assert _share(clip, start_ms, end_ms, state) >= min_share


def test_baseline_is_the_lens_for_a_steady_selfie() -> None:
    signals = compute_signals(recording("phone_eyes_center"))
    base = learn_baseline(signals, PipelineConfig())
    assert base is not None
    assert base.frames_used >= 0.8 * len(signals)
    assert base.spread_deg < 4.0


def test_baseline_prefers_open_eyes_near_the_camera_over_a_longer_look_down() -> None:
    # The student spends more time looking down and aside than at the screen.
    signals = compute_signals(recording("webcam_lab_student"))
    base = learn_baseline(signals, PipelineConfig())
    assert base is not None
    assert abs(base.gaze_yaw_deg) < 10.0 and base.gaze_pitch_deg > -5.0


def test_no_face_means_absent_and_no_baseline() -> None:
    series = recording("phone_eyes_center")
    blank = type(series)(
        series.timestamp_ms, np.full_like(series.face, np.nan), series.hands, series.image_wh
    )
    states = classify(compute_signals(blank))
    assert states.baseline is None
    assert (states.attention == Attention.ABSENT).all()


def _labelled(data_dir: Path) -> list[evaluate.LabelFile]:
    labels = [
        lab
        for lab in evaluate.load_labels(data_dir, [LANDMARKS_DIR.parent / "labels"])
        if (LANDMARKS_DIR / f"{lab.name}.npz").exists()
    ]
    assert len(labels) >= 41, "labelled recordings missing: run `make recordings`"
    return labels


def test_recorded_labelled_clips_meet_the_accuracy_bar(data_dir: Path) -> None:
    # The same scoring as `cuewatch eval`, on the committed recordings of the labelled clips
    # (shared and the project's own). In sample: the fitted values were chosen on these clips;
    # tests/test_crossval.py holds the cross-validated floor.
    clips = [evaluate.score_clip(lab, *_states(lab.name)) for lab in _labelled(data_dir)]
    report = evaluate.summarize(clips)
    assert set(report.macro_states) >= {"screen", "down", "away", "closed", "absent"}
    # 0.918 on 42 clips, 0.909 on 46 (0.911 since the tracker follows moving faces): two of
    # the four clips added last are a woman looking at a partner beside the camera
    # throughout, read as `screen` (no look at the lens to learn the screen's direction from).
    assert report.macro_f1 >= 0.90, evaluate.format_report(report)
    assert report.screen_f1 >= 0.965, evaluate.format_report(report)

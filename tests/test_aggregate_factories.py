"""Factories for aggregation tests: hand-built states and NaN-filled signals (plus their tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.types import Attention, AttentionSeries, Baseline, BoolArray, FloatArray, Signals

FPS = 5.0
STEP_MS = 200
BASELINE = Baseline(0.0, 0.0, 0.0, 0.0, 0.3, 3.0, 100)
Segment = tuple[str, int]  # (state label, duration ms)


def states_from(segments: Sequence[Segment], step_ms: int = STEP_MS) -> AttentionSeries:
    """States at a constant frame step, `duration // step_ms` frames per segment."""
    codes = [Attention.from_label(label) for label, ms in segments for _ in range(ms // step_ms)]
    ts = np.arange(len(codes), dtype=np.int64) * step_ms
    return AttentionSeries(ts, np.array(codes, dtype=np.int8), BASELINE)


def states_from_codes(codes: Sequence[int], step_ms: int = STEP_MS) -> AttentionSeries:
    ts = np.arange(len(codes), dtype=np.int64) * step_ms
    return AttentionSeries(ts, np.asarray(codes, dtype=np.int8), BASELINE)


def _nan(n: int) -> FloatArray:
    return np.full(n, np.nan, dtype=np.float32)


def signals_for(
    states: AttentionSeries,
    *,
    hands_low: BoolArray | None = None,
    hand_motion: FloatArray | None = None,
    confidence: float = 0.9,
) -> Signals:
    """Signals matching `states`: face where not absent, angles NaN, hands only where given."""
    n = len(states)
    present = states.attention != Attention.ABSENT
    low = np.zeros(n, dtype=bool) if hands_low is None else hands_low.astype(bool)
    motion = _nan(n) if hand_motion is None else hand_motion.astype(np.float32)
    visible = (low | ~np.isnan(motion)).astype(np.int8)
    return Signals(
        timestamp_ms=states.timestamp_ms,
        face_present=present,
        confidence=np.where(present, confidence, np.nan).astype(np.float32),
        head_yaw_deg=_nan(n),
        head_pitch_deg=_nan(n),
        head_roll_deg=_nan(n),
        eye_yaw_deg=_nan(n),
        eye_pitch_deg=_nan(n),
        gaze_yaw_deg=_nan(n),
        gaze_pitch_deg=_nan(n),
        eye_openness=_nan(n),
        lower_lid=_nan(n),
        hands_visible=visible,
        hands_low=low,
        hand_motion=motion,
    )


def rhythm(looks: int, down_ms: int = 3_000, up_ms: int = 5_000) -> list[Segment]:
    """`looks` looks down of `down_ms`, with `up_ms` on the screen between them."""
    segs: list[Segment] = []
    for i in range(looks):
        segs.append(("down", down_ms))
        if i < looks - 1:
            segs.append(("screen", up_ms))
    return segs


def total_ms(segments: Sequence[Segment]) -> int:
    return sum(ms for _, ms in segments)


def test_states_from_builds_frames_at_the_step() -> None:
    s = states_from([("screen", 1_000), ("down", 400)])
    assert s.labels() == ["screen"] * 5 + ["down"] * 2
    np.testing.assert_array_equal(s.timestamp_ms, np.arange(7) * STEP_MS)


def test_signals_for_nan_fills_what_is_not_given() -> None:
    s = states_from([("screen", 400), ("absent", 400)])
    sig = signals_for(s)
    assert sig.face_present.tolist() == [True, True, False, False]
    assert np.isnan(sig.head_yaw_deg).all() and np.isnan(sig.confidence[2:]).all()
    assert sig.hands_visible.sum() == 0

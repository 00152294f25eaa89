"""Per-frame attention states, judged against the participant's own attending direction
(`pipeline.attention.baseline`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pipeline.attention.baseline import learn_baseline

__all__ = ["classify", "down_evidence_deg", "judge", "learn_baseline", "raw_states"]
from pipeline.attention.smoothing import apply_dwell
from pipeline.config import PipelineConfig
from pipeline.types import Attention, AttentionSeries, Baseline, Signals

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
States = npt.NDArray[np.int8]

# Beside a sideways look, a look down needs the head lowered this far (degrees) ...
HEAD_LOWERED_DEG = 5.0
# ... or the upper lid come down by this share of the attending aperture (a blink-free,
# relaxed lid wanders by about a tenth).
LIDS_LOWERED_SHARE = 0.15


def pitch_drop_deg(signals: Signals, base: Baseline, eye_gain: float = 1.0) -> F:
    """How far below the attending direction the head and eyes point, in pitch degrees.

    The face mesh moves the iris less than the eye turns up or down (the lids hide and
    pull it), so the iris part counts `eye_gain` times.
    """
    head = base.head_pitch_deg - signals.head_pitch_deg.astype(np.float64)
    eye = base.eye_pitch_deg - signals.eye_pitch_deg.astype(np.float64)
    return np.asarray(head + eye_gain * eye)


def upper_lid_drop(signals: Signals, base: Baseline, lower_weight: float) -> F:
    """How far the lids narrowed from attending, as a share of the attending aperture.

    A look down lowers the upper lid; a smile or a squint raises the lower one (the cheeks
    push it up), which narrows the lids as much but says nothing of the gaze. With weight 1
    only the upper lid's descent counts; with 0 the whole narrowing does (and without a
    learned lower-lid place, as under the camera prior, the whole narrowing does too).
    """
    narrowing = 1.0 - signals.eye_openness.astype(np.float64) / base.eye_openness
    rise = (signals.lower_lid.astype(np.float64) - base.lower_lid) / base.eye_openness
    return np.asarray(narrowing + lower_weight * np.nan_to_num(rise))


def down_evidence_deg(signals: Signals, base: Baseline, config: PipelineConfig) -> F:
    """How far below the attending direction the person looks, in pitch degrees.

    Looking down is the weak spot of iris methods (the lid covers the iris), so head pitch,
    the iris drop and the lid drop each contribute: lids lowered to half of the attending
    aperture count as about 20 degrees of downward gaze, and lids wider than attending
    (by up to `down_lid_rise_max` of the aperture) count against it.
    """
    d_pitch = pitch_drop_deg(signals, base, config.down_eye_pitch_gain)
    lid_drop = upper_lid_drop(signals, base, config.down_lower_lid_weight)
    # Wider lids than when attending are eyes raised in the head: they count against a look
    # down as narrowed ones count for it (a lowered head watching the screen).
    return np.asarray(d_pitch + 40.0 * np.clip(lid_drop, -config.down_lid_rise_max, 0.6))


def _away(signals: Signals, base: Baseline, config: PipelineConfig, slack_deg: float) -> B:
    """Looking sideways or up, beyond thresholds lowered by `slack_deg`."""
    d_yaw = np.abs(signals.gaze_yaw_deg.astype(np.float64) - base.gaze_yaw_deg)
    turn = np.abs(signals.head_yaw_deg.astype(np.float64) - base.head_yaw_deg)
    away_yaw = config.away_yaw_deg + config.away_head_turn_slack * turn
    # A head tilted back over eyes kept on the screen narrows the lids (the eyes turn down in
    # the head), which cancels the tilt as lowered lids add to a look down.
    lid_ratio = signals.eye_openness.astype(np.float64) / base.eye_openness
    d_up = signals.gaze_pitch_deg.astype(np.float64) - base.gaze_pitch_deg
    d_up -= 40.0 * np.clip(1.0 - lid_ratio, 0.0, 0.6)
    return np.asarray((d_yaw > away_yaw - slack_deg) | (d_up > config.away_up_deg - slack_deg))


def _down(signals: Signals, base: Baseline, config: PipelineConfig, slack_deg: float) -> B:
    """Looking down beyond a threshold lowered by `slack_deg`."""
    # Narrowed lids alone are a squint or a closing eye; a look down also lowers the gaze.
    lowered = pitch_drop_deg(signals, base, config.down_eye_pitch_gain) > config.down_min_pitch_deg
    evidence = down_evidence_deg(signals, base, config)
    return np.asarray(lowered & (evidence > config.down_pitch_deg - slack_deg))


def _closed(signals: Signals, base: Baseline, config: PipelineConfig) -> B:
    """Shut lids with the head level; with the head bowed, or with the lower lid still where
    it rests (the upper lid came down over a lowered eye), they are a look down."""
    lid_ratio = signals.eye_openness.astype(np.float64) / base.eye_openness
    head_down = base.head_pitch_deg - signals.head_pitch_deg.astype(np.float64)
    shut = (lid_ratio < config.closed_ratio) & (head_down < config.down_pitch_deg)
    return np.asarray(shut & ~_lower_lid_rests(signals, base, config))


def _iris_only(signals: Signals, base: Baseline) -> B:
    """Frames whose only sign of a look down is the iris: head level, lids as attending.

    An iris far to the side of the eye also reads lower against the eye corners (the lid
    opening slants), so beside a sideways look it is not a look down.
    """
    head_down = base.head_pitch_deg - signals.head_pitch_deg.astype(np.float64)
    narrowed = upper_lid_drop(signals, base, 1.0) > LIDS_LOWERED_SHARE
    return np.asarray((head_down < HEAD_LOWERED_DEG) & ~narrowed)


def _label(signals: Signals, base: Baseline, config: PipelineConfig, slack_deg: float) -> States:
    """States from fixed thresholds, each lowered by slack_deg (used to stay in a state)."""
    out = np.full(len(signals), Attention.SCREEN, dtype=np.int8)
    away = _away(signals, base, config, slack_deg)
    out[away] = Attention.AWAY
    out[_down(signals, base, config, slack_deg) & ~(away & _iris_only(signals, base))] = (
        Attention.DOWN
    )
    out[_closed(signals, base, config)] = Attention.CLOSED
    out[~signals.face_present] = Attention.ABSENT
    return out


def _lower_lid_rests(signals: Signals, base: Baseline, config: PipelineConfig) -> B:
    """Frames whose lower lid stays near its attending place below lids that still show the
    iris: a lowered eye, not a shut one (NaN baseline: none)."""
    ratio = signals.lower_lid.astype(np.float64) / base.lower_lid
    iris_shows = signals.eye_openness.astype(np.float64) >= config.closed_iris_min_aperture
    return np.asarray((ratio >= config.closed_lower_lid_min) & iris_shows)


def raw_states(signals: Signals, base: Baseline, config: PipelineConfig) -> States:
    """Frame-by-frame states with hysteresis: entering a look away or down needs the full
    threshold, staying in it only the threshold less `hysteresis_deg`."""
    strict = _label(signals, base, config, 0.0)
    lenient = _label(signals, base, config, config.hysteresis_deg)
    out = strict.copy()
    sticky = (int(Attention.AWAY), int(Attention.DOWN))
    for t in range(1, out.size):
        if int(out[t - 1]) in sticky and lenient[t] == out[t - 1]:
            out[t] = lenient[t]
    return _join_flutter(signals, base, config, out)


def _join_flutter(signals: Signals, base: Baseline, config: PipelineConfig, out: States) -> States:
    """Nearly shut lids next to shut ones are the same closure (fluttering lids), not a
    string of blinks and looks down."""
    lid_ratio = signals.eye_openness.astype(np.float64) / base.eye_openness
    head_down = base.head_pitch_deg - signals.head_pitch_deg.astype(np.float64)
    slit = (lid_ratio < config.nearly_closed_ratio) & (head_down < config.down_pitch_deg)
    slit &= ~_lower_lid_rests(signals, base, config)
    closed = out == Attention.CLOSED
    beside = np.zeros_like(closed)
    beside[1:] |= closed[:-1]
    beside[:-1] |= closed[1:]
    joined = out.copy()
    joined[slit & beside] = Attention.CLOSED
    return joined


def classify(signals: Signals, config: PipelineConfig | None = None) -> AttentionSeries:
    """Per-frame attention states of one participant, with hysteresis and minimum dwell.

    Args:
        signals: `(T,)` signals of one participant.
        config: thresholds; defaults to `PipelineConfig()`.

    Returns:
        The states and the baseline they were judged against.
    """
    config = config or PipelineConfig()
    return judge(signals, learn_baseline(signals, config), config)


def judge(signals: Signals, base: Baseline | None, config: PipelineConfig) -> AttentionSeries:
    """Per-frame attention states against a given baseline (None: no face to learn from).

    Args:
        signals: `(T,)` signals of one participant.
        base: the attending direction, from `learn_baseline`.
        config: thresholds.
    """
    if base is None:
        states = np.full(len(signals), Attention.ABSENT, dtype=np.int8)
        states[signals.face_present] = Attention.AWAY
        return AttentionSeries(signals.timestamp_ms, states, None)
    states = apply_dwell(signals.timestamp_ms, raw_states(signals, base, config), config)
    return AttentionSeries(signals.timestamp_ms, states, base)

"""The participant's own attending direction, then per-frame attention states.

In a call people look at the screen, not the lens, and cameras sit above, below or beside
screens, so "screen" is the dominant cluster of where this person looks, learned from the
recording itself, not a fixed angle.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pipeline.attention.smoothing import apply_dwell
from pipeline.config import PipelineConfig
from pipeline.types import Attention, AttentionSeries, Baseline, Signals

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
States = npt.NDArray[np.int8]

# Up to this many frames are tried as cluster centres (a 4-minute recording at 5 fps); a
# longer one tries every k-th frame, which still lands inside any cluster worth finding.
MAX_CANDIDATES = 1200
# Candidates are counted against all frames in blocks of at most this many (candidate,
# frame) pairs (each pair holds a few float64 temporaries: about 50 MB at this size), so the
# block shrinks as the recording grows and memory stays the same for any length.
BLOCK_PAIRS = 2_000_000
# The eye's neutral position sits a few degrees above the corner line in this measure, so a
# person looking into the lens reads about this gaze pitch.
NEUTRAL_EYE_PITCH_DEG = 8.0
# The screen is rarely further than this from the camera axis (gaze degrees); clusters beyond
# it need many more frames to be taken as the attending direction.
PRIOR_SPREAD_DEG = 22.0
# Lids at this fraction of the person's wide-open aperture or less are lowered (a look
# down), at the second nearly shut; a cluster's weight ramps between the two.
LOWERED_LIDS_RATIO = 0.95
LIDS_SHUT_RATIO = 0.6
# A cluster with the head bowed this far below the person's upright posture (their 90th
# percentile head pitch) keeps about 60% of its weight: nods and camera angles stay well
# within it, a head bowed over a desk does not.
HEAD_BOW_SPREAD_DEG = 15.0
# Heads turned further than this foreshorten the eye and inflate the aperture ratio.
FRONTAL_YAW_DEG = 20.0


def _valid(signals: Signals) -> npt.NDArray[np.bool_]:
    ok = signals.face_present & np.isfinite(signals.gaze_yaw_deg)
    return np.asarray(ok & np.isfinite(signals.eye_openness))


def _open_reference(signals: Signals, valid: npt.NDArray[np.bool_]) -> float:
    """The person's wide-open lid aperture: a high percentile over near-frontal frames."""
    frontal = valid & (np.abs(signals.head_yaw_deg) < FRONTAL_YAW_DEG)
    pool = signals.eye_openness[frontal] if frontal.sum() >= 5 else signals.eye_openness[valid]
    return float(np.percentile(pool, 80)) if pool.size else float("nan")


def _row_medians(near: npt.NDArray[np.bool_], values: F) -> F:
    """Median of `values` over each row's neighbours (every row has at least itself)."""
    return np.asarray(np.nanmedian(np.where(near, values[None, :], np.nan), axis=1))


def _cluster_scores(
    points: F, openness: F, head_pitch: F, open_ref: float, radius: float
) -> tuple[npt.NDArray[np.int64], F]:
    """Scores of candidate cluster centres: neighbours x direction prior x lid factor x
    head-bow factor (a desk is below the screen: bowed head, lowered lids).

    Candidates are every frame up to `MAX_CANDIDATES` (evenly spread beyond), counted
    against every frame in blocks of `BLOCK_PAIRS // N` candidates, so memory stays
    `BLOCK_PAIRS` pairs for a recording of any length instead of `N x N`.

    Returns:
        The candidates' indices into `points` and their scores.
    """
    n = points.shape[0]
    cand = np.unique(np.linspace(0, n - 1, min(n, MAX_CANDIDATES)).round().astype(np.int64))
    upright = float(np.percentile(head_pitch, 90))
    scores = []
    block = max(1, BLOCK_PAIRS // max(n, 1))
    for start in range(0, cand.size, block):
        centres = points[cand[start : start + block]]
        near = np.linalg.norm(centres[:, None, :] - points[None, :, :], axis=-1) < radius
        counts = near.sum(axis=1).astype(np.float64)
        shifted = centres - np.array([0.0, NEUTRAL_EYE_PITCH_DEG])
        prior = np.exp(-0.5 * (np.linalg.norm(shifted, axis=1) / PRIOR_SPREAD_DEG) ** 2)
        lid = _row_medians(near, openness) / open_ref
        span = LOWERED_LIDS_RATIO - LIDS_SHUT_RATIO
        lid_factor = np.clip((lid - LIDS_SHUT_RATIO) / span, 0.05, 1)
        bow = np.maximum(0.0, upright - _row_medians(near, head_pitch))
        bow_factor = np.exp(-0.5 * (bow / HEAD_BOW_SPREAD_DEG) ** 2)
        scores.append(counts * prior * lid_factor * bow_factor)
    return cand, np.concatenate(scores)


def learn_baseline(signals: Signals, config: PipelineConfig) -> Baseline | None:
    """Finds the attending direction: the densest, most plausible cluster of gaze.

    Args:
        signals: one participant's signals.
        config: `calibration_radius_deg`, `calibration_min_frames`.

    Returns:
        The baseline, or None when too few frames show an open-eyed face.
    """
    valid = _valid(signals)
    open_ref = _open_reference(signals, valid)
    usable = valid & (signals.eye_openness > 0.5 * open_ref)
    if usable.sum() < config.calibration_min_frames:
        return None
    pts = np.stack([signals.gaze_yaw_deg[usable], signals.gaze_pitch_deg[usable]], 1)
    pts = pts.astype(np.float64)
    openness = signals.eye_openness[usable].astype(np.float64)
    head_pitch = signals.head_pitch_deg[usable].astype(np.float64)
    cand, scores = _cluster_scores(
        pts, openness, head_pitch, open_ref, config.calibration_radius_deg
    )
    best = int(cand[int(np.argmax(scores))])
    members = np.linalg.norm(pts - pts[best], axis=1) < config.calibration_radius_deg
    centre = np.median(pts[members], axis=0)
    spread = float(np.median(np.linalg.norm(pts[members] - centre, axis=1)))
    base = Baseline(
        gaze_yaw_deg=float(centre[0]),
        gaze_pitch_deg=float(centre[1]),
        head_pitch_deg=float(np.median(signals.head_pitch_deg[usable][members])),
        eye_pitch_deg=float(np.median(signals.eye_pitch_deg[usable][members])),
        eye_openness=float(np.median(openness[members])),
        spread_deg=spread,
        frames_used=int(members.sum()),
        head_yaw_deg=float(np.median(signals.head_yaw_deg[usable][members])),
        lower_lid=float(np.nanmedian(signals.lower_lid[usable][members])),
    )
    return base if plausible(base, config) else camera_prior(base, config)


def plausible(base: Baseline, config: PipelineConfig) -> bool:
    """Whether a learned attending direction is one a person could watch a screen from.

    A recording spent looking down (a phone, a lap) or with the lids lowered or shut from
    start to end has no screen direction in it; its densest cluster is that look down.
    """
    lids_open = base.eye_openness >= config.prior_min_open_aperture
    below_camera = NEUTRAL_EYE_PITCH_DEG - base.gaze_pitch_deg
    return lids_open and below_camera <= config.prior_max_below_camera_deg


def camera_prior(base: Baseline, config: PipelineConfig) -> Baseline:
    """The attending direction a recording without one falls back on: the camera, with the
    head upright and the lids of an ordinary open eye (`source` says so)."""
    return Baseline(
        gaze_yaw_deg=0.0,
        gaze_pitch_deg=NEUTRAL_EYE_PITCH_DEG,
        head_pitch_deg=0.0,
        eye_pitch_deg=NEUTRAL_EYE_PITCH_DEG,
        eye_openness=config.prior_open_aperture,
        spread_deg=base.spread_deg,
        frames_used=0,
        head_yaw_deg=0.0,
        source="prior",
        lower_lid=float("nan"),
    )


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


def _label(signals: Signals, base: Baseline, config: PipelineConfig, slack_deg: float) -> States:
    """States from fixed thresholds, each lowered by slack_deg (used to stay in a state)."""
    out = np.full(len(signals), Attention.SCREEN, dtype=np.int8)
    out[_away(signals, base, config, slack_deg)] = Attention.AWAY
    out[_down(signals, base, config, slack_deg)] = Attention.DOWN
    out[_closed(signals, base, config)] = Attention.CLOSED
    out[~signals.face_present] = Attention.ABSENT
    return out


def _lower_lid_rests(signals: Signals, base: Baseline, config: PipelineConfig) -> B:
    """Frames whose lower lid stays near its attending place (NaN baseline: none)."""
    ratio = signals.lower_lid.astype(np.float64) / base.lower_lid
    return np.asarray(ratio >= config.closed_lower_lid_min)


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

"""The participant's own attending direction, learned from the recording.

In a call people look at the screen, not the lens, and cameras sit above, below or beside
screens, so "screen" is the dominant cluster of where this person looks, not a fixed angle;
a recording that shows no plausible screen direction falls back on the camera.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pipeline.config import PipelineConfig
from pipeline.types import Baseline, Signals

F = npt.NDArray[np.float64]

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

"""Lip activity from the face mesh: how much a person's mouth opens and closes.

Talking opens and closes the mouth several times a second; listening, even smiling or
nodding, leaves the inner-lip gap nearly constant. The gap is divided by the eye-corner
distance, so distance to the camera and the crop's scale cancel out, and its short-time
variability (standard deviation over about a second) is the activity.
"""

from __future__ import annotations

import numpy as np

from pipeline.people.mesh import FacePoint
from pipeline.types import FloatArray, IntArray, LandmarkSeries


def mouth_opening(series: LandmarkSeries) -> FloatArray:
    """Inner-lip gap / eye-corner distance per frame, `(T,)`, NaN without a face."""
    scale = np.asarray(series.image_wh, dtype=np.float32)
    pts = series.face[:, :, :2] * scale
    gap = np.linalg.norm(
        pts[:, FacePoint.UPPER_LIP_INNER] - pts[:, FacePoint.LOWER_LIP_INNER], axis=1
    )
    eyes = np.linalg.norm(
        pts[:, FacePoint.RIGHT_EYE_OUTER] - pts[:, FacePoint.LEFT_EYE_OUTER], axis=1
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(gap / eyes, dtype=np.float32)


def lip_activity(timestamp_ms: IntArray, opening: FloatArray, window_ms: int) -> FloatArray:
    """Standard deviation of the mouth opening over a centred window, per frame.

    Args:
        timestamp_ms: `(T,)` frame times, increasing.
        opening: `(T,)` mouth opening (`mouth_opening`), NaN where unknown.
        window_ms: width of the window.

    Returns:
        `(T,)` float32; NaN where fewer than three known frames fall in the window.
    """
    t = np.asarray(timestamp_ms, dtype=np.int64)
    lo = np.searchsorted(t, t - window_ms // 2, side="left")
    hi = np.searchsorted(t, t + window_ms // 2, side="right")
    out = np.full(t.shape[0], np.nan, dtype=np.float32)
    for i, (a, b) in enumerate(zip(lo.tolist(), hi.tolist(), strict=True)):
        part = opening[a:b]
        known = part[np.isfinite(part)]
        if known.shape[0] >= 3:
            out[i] = float(np.std(known))
    return out

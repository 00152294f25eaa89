"""The face mesh's point layout: named indices, the eyes, and the recorder's posture check.

Kept with the people stage because the recorder itself reads posture from these points while
it records (to decide when to look for hands); the attention stage builds on the same layout.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt


class FacePoint(IntEnum):
    """FaceMesh indices. "Right" is the person's right, which is on the image's left."""

    FOREHEAD = 10
    CHIN = 152
    NOSE_TIP = 1
    RIGHT_EYE_OUTER = 33
    RIGHT_EYE_INNER = 133
    RIGHT_EYE_UPPER = 159
    RIGHT_EYE_LOWER = 145
    RIGHT_EYE_UPPER_IN = 158
    RIGHT_EYE_LOWER_IN = 153
    RIGHT_EYE_UPPER_OUT = 160
    RIGHT_EYE_LOWER_OUT = 144
    LEFT_EYE_OUTER = 263
    LEFT_EYE_INNER = 362
    LEFT_EYE_UPPER = 386
    LEFT_EYE_LOWER = 374
    LEFT_EYE_UPPER_IN = 385
    LEFT_EYE_LOWER_IN = 380
    LEFT_EYE_UPPER_OUT = 387
    LEFT_EYE_LOWER_OUT = 373
    RIGHT_IRIS_CENTER = 468
    LEFT_IRIS_CENTER = 473
    UPPER_LIP_INNER = 13  # the inner lips' midpoints: their gap is the mouth opening
    LOWER_LIP_INNER = 14


class EyePoints(NamedTuple):
    """The landmarks of one eye: corners, iris centre and upper/lower lid pairs."""

    outer: int
    inner: int
    iris: int
    lids: tuple[tuple[int, int], ...]


RIGHT_EYE = EyePoints(
    FacePoint.RIGHT_EYE_OUTER,
    FacePoint.RIGHT_EYE_INNER,
    FacePoint.RIGHT_IRIS_CENTER,
    (
        (FacePoint.RIGHT_EYE_UPPER, FacePoint.RIGHT_EYE_LOWER),
        (FacePoint.RIGHT_EYE_UPPER_IN, FacePoint.RIGHT_EYE_LOWER_IN),
        (FacePoint.RIGHT_EYE_UPPER_OUT, FacePoint.RIGHT_EYE_LOWER_OUT),
    ),
)
LEFT_EYE = EyePoints(
    FacePoint.LEFT_EYE_OUTER,
    FacePoint.LEFT_EYE_INNER,
    FacePoint.LEFT_IRIS_CENTER,
    (
        (FacePoint.LEFT_EYE_UPPER, FacePoint.LEFT_EYE_LOWER),
        (FacePoint.LEFT_EYE_UPPER_IN, FacePoint.LEFT_EYE_LOWER_IN),
        (FacePoint.LEFT_EYE_UPPER_OUT, FacePoint.LEFT_EYE_LOWER_OUT),
    ),
)


EYES = (RIGHT_EYE, LEFT_EYE)


_POSTURE_POINTS = tuple(
    sorted(
        {FacePoint.LEFT_EYE_OUTER, FacePoint.RIGHT_EYE_OUTER, FacePoint.CHIN, FacePoint.FOREHEAD}
        | {i for e in EYES for i in (e.outer, e.inner)}
        | {i for e in EYES for pair in e.lids for i in pair}
    )
)


def pitch_and_aperture(
    face: npt.NDArray[np.floating[Any]], scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
) -> tuple[float, float]:
    """Head pitch (degrees, as `head_pose_deg`) and the more open eye's lid aperture (as
    `eye_in_head`) of one frame `(478, 3)`, in pixels once multiplied by `scale`.

    The same formulas in plain floats on the 21 points they use: on a single frame, numpy's
    per-call cost is most of the work, and the recorder asks this of every frame it meshes.
    """
    points = face[list(_POSTURE_POINTS)].astype(np.float64) * scale
    rows = dict(zip(_POSTURE_POINTS, points.tolist(), strict=True))

    def sub(a: int, b: int) -> tuple[float, float, float]:
        p, q = rows[a], rows[b]
        return (p[0] - q[0], p[1] - q[1], p[2] - q[2])

    ex = sub(FacePoint.LEFT_EYE_OUTER, FacePoint.RIGHT_EYE_OUTER)
    n = math.sqrt(ex[0] ** 2 + ex[1] ** 2 + ex[2] ** 2)
    ex = (ex[0] / n, ex[1] / n, ex[2] / n)
    down = sub(FacePoint.CHIN, FacePoint.FOREHEAD)
    along = down[0] * ex[0] + down[1] * ex[1] + down[2] * ex[2]
    ey = (down[0] - along * ex[0], down[1] - along * ex[1], down[2] - along * ex[2])
    n = math.sqrt(ey[0] ** 2 + ey[1] ** 2 + ey[2] ** 2)
    ey = (ey[0] / n, ey[1] / n, ey[2] / n)
    # fwd = -(ex x ey)
    fx = -(ex[1] * ey[2] - ex[2] * ey[1])
    fy = -(ex[2] * ey[0] - ex[0] * ey[2])
    fz = -(ex[0] * ey[1] - ex[1] * ey[0])
    pitch = math.degrees(math.atan2(-fy, math.hypot(fx, fz)))

    def aperture(eye: EyePoints) -> float:
        width = math.dist(rows[eye.outer][:2], rows[eye.inner][:2])
        gaps = [math.dist(rows[u][:2], rows[lo][:2]) for u, lo in eye.lids]
        return sum(gaps) / len(gaps) / width

    return pitch, max(aperture(e) for e in EYES)

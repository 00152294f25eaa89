"""Face landmark indices and per-frame geometry: head pose, eye-in-head angles, lid aperture.

All functions are vectorised over time: landmark arrays are `(T, 478, 3)` in pixels
(x right, y down, z away from the camera, in the same scale as x).
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

F = npt.NDArray[np.float64]

# The eye spans about 2.5 eyeball radii corner to corner, so an iris offset of d eye-widths
# from the eye centre is a rotation of asin(2.5 d).
EYE_WIDTH_IN_RADII = 2.5


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


def _unit(v: F) -> F:
    return np.asarray(v / np.linalg.norm(v, axis=-1, keepdims=True))


def head_axes(face: F) -> tuple[F, F, F]:
    """Face-fixed axes in camera space, each `(T, 3)`.

    ex runs from the right eye to the left eye (image-left to image-right for a frontal
    face), ey from forehead to chin, ez = ex x ey points into the head (away from the camera).
    """
    ex = _unit(face[:, FacePoint.LEFT_EYE_OUTER] - face[:, FacePoint.RIGHT_EYE_OUTER])
    down = face[:, FacePoint.CHIN] - face[:, FacePoint.FOREHEAD]
    ey = _unit(down - np.sum(down * ex, axis=-1, keepdims=True) * ex)
    return ex, ey, np.cross(ex, ey)


def head_pose_deg(face: F) -> tuple[F, F, F]:
    """Head yaw, pitch and roll in degrees, each `(T,)`.

    The AFLW2000 conventions: yaw > 0: face turned toward image-left; pitch > 0: head up;
    roll > 0: head tilted clockwise in the image (the eye on the image's right is lower).
    """
    ex, _, ez = head_axes(face)
    fwd = -ez  # toward the camera for a frontal face
    yaw = np.degrees(np.arctan2(-fwd[:, 0], -fwd[:, 2]))
    pitch = np.degrees(np.arctan2(-fwd[:, 1], np.hypot(fwd[:, 0], fwd[:, 2])))
    roll = np.degrees(np.arctan2(ex[:, 1], ex[:, 0]))
    return yaw, pitch, roll


def _eye_frame(face: F) -> tuple[F, F]:
    """In-image unit axes of the face (roll removed), each `(T, 2)`."""
    ex = head_axes(face)[0]
    ux = _unit(ex[:, :2])
    uy = np.stack([-ux[:, 1], ux[:, 0]], axis=-1)  # ux turned 90 degrees toward image-down
    return ux, uy


def eye_in_head(face: F, eye: EyePoints) -> tuple[F, F, F]:
    """Iris offset of one eye as (yaw_deg, pitch_deg, aperture), each `(T,)`.

    Offsets are measured from the midpoint of the eye corners along the face's own in-image
    axes and scaled by the eye width, so head roll and distance cancel out.
    """
    outer, inner, iris, lids = eye
    ux, uy = _eye_frame(face)
    a, b = face[:, outer, :2], face[:, inner, :2]
    width = np.linalg.norm(a - b, axis=-1)
    d = face[:, iris, :2] - (a + b) / 2
    dx = np.sum(d * ux, axis=-1) / width
    dy = np.sum(d * uy, axis=-1) / width
    # The iris moving toward image-left means looking toward image-left (yaw > 0).
    yaw = -np.degrees(np.arcsin(np.clip(EYE_WIDTH_IN_RADII * dx, -1, 1)))
    pitch = -np.degrees(np.arcsin(np.clip(EYE_WIDTH_IN_RADII * dy, -1, 1)))
    gaps = [np.linalg.norm(face[:, u, :2] - face[:, lo, :2], axis=-1) for u, lo in lids]
    return yaw, pitch, np.mean(gaps, axis=0) / width


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

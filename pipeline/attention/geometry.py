"""Per-frame geometry of the face mesh: head pose, eye-in-head angles, lid aperture.

All functions are vectorised over time: landmark arrays are `(T, 478, 3)` in pixels
(x right, y down, z away from the camera, in the same scale as x).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pipeline.people.mesh import EyePoints, FacePoint

F = npt.NDArray[np.float64]

# The eye spans about 2.5 eyeball radii corner to corner, so an iris offset of d eye-widths
# from the eye centre is a rotation of asin(2.5 d).
EYE_WIDTH_IN_RADII = 2.5


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


def lower_lid(face: F, eye: EyePoints) -> F:
    """How far the lower lid sits below the eye-corner line, in eye widths, `(T,)`.

    Looking down, the upper lid follows the eye down while the lower lid stays (or drops a
    little); closing, the lids meet part-way, the lower one rising toward the upper.
    """
    _, uy = _eye_frame(face)
    a, b = face[:, eye.outer, :2], face[:, eye.inner, :2]
    width = np.linalg.norm(a - b, axis=-1)
    mid = (a + b) / 2
    drops = [np.sum((face[:, lo, :2] - mid) * uy, axis=-1) for _, lo in eye.lids]
    return np.asarray(np.mean(drops, axis=0) / width)

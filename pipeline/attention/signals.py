"""Per-frame signals from landmarks: head pose, gaze (head + eye-in-head), lids, hands."""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from pipeline.attention import geometry
from pipeline.config import PipelineConfig
from pipeline.people import mesh
from pipeline.types import LandmarkSeries, Signals

F = npt.NDArray[np.float64]

# Beyond this head yaw the far eye is foreshortened to a sliver and its iris is a guess.
FAR_EYE_YAW_DEG = 25.0
# A hand whose centre is below this fraction of the image height is at desk level.
HAND_LOW_Y = 2 / 3


def _pixels(series: LandmarkSeries) -> F:
    w, h = (float(v) for v in series.image_wh)
    scale = np.array([w, h, w], dtype=np.float64)
    return series.face.astype(np.float64) * scale


def _eyes(face: F, head_yaw: F) -> tuple[F, F, F, F]:
    """Both eyes combined: (yaw_deg, pitch_deg, openness, lower_lid), each `(T,)`.

    When the head is turned, the eye nearer the camera is the one to trust.
    """
    ry, rp, ra = geometry.eye_in_head(face, mesh.RIGHT_EYE)
    ly, lp, la = geometry.eye_in_head(face, mesh.LEFT_EYE)
    # yaw > 0: head turned toward image-left, so the image-right (left) eye is nearer.
    w_left = np.clip(0.5 + head_yaw / (2 * FAR_EYE_YAW_DEG), 0.0, 1.0)
    w_right = 1.0 - w_left
    yaw = w_right * ry + w_left * ly
    pitch = w_right * rp + w_left * lp
    # The more open eye: a wink with the other eye on the screen is still looking.
    openness = np.fmax(ra, la)
    lower = w_right * geometry.lower_lid(face, mesh.RIGHT_EYE)
    lower = lower + w_left * geometry.lower_lid(face, mesh.LEFT_EYE)
    return yaw, pitch, openness, lower


def _hand_centres(series: LandmarkSeries) -> F:
    w, h = (float(v) for v in series.image_wh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slots are absent hands
        c = np.nanmean(series.hands[..., :2].astype(np.float64), axis=2)
    return np.asarray(c * np.array([1.0, h / w]))  # in image widths, square units


def _hand_signals(series: LandmarkSeries) -> tuple[npt.NDArray[np.int8], F, F]:
    present = ~np.isnan(series.hands[:, :, 0, 0])
    visible = present.sum(axis=1).astype(np.int8)
    y = series.hands[:, :, :, 1].astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.nanmax(np.where(present[..., None], y, np.nan).mean(axis=2), axis=1) > HAND_LOW_Y
        centres = _hand_centres(series)
        step = np.linalg.norm(np.diff(centres, axis=0), axis=-1)
        dt_s = np.diff(series.timestamp_ms).astype(np.float64)[:, None] / 1000.0
        speed = np.nanmean(step / np.maximum(dt_s, 1e-3), axis=1)
    motion = np.concatenate([[np.nan], speed]) if len(series) else np.zeros(0)
    return visible, low.astype(np.float64), motion


def _confidence(present: npt.NDArray[np.bool_], head_yaw: F) -> F:
    # Iris-based gaze degrades as the head turns away; a profile is barely readable.
    turn = np.clip((np.abs(head_yaw) - 30.0) / 40.0, 0.0, 0.8)
    return np.where(present, 1.0 - np.nan_to_num(turn), 0.0)


# Frames converted to float64 pixels at a time: the geometry is per frame, and a chunk keeps
# the temporaries of a two-hour recording as small as those of a short one.
CHUNK_FRAMES = 1024


def _face_angles(series: LandmarkSeries) -> tuple[F, F, F, F, F, F, F]:
    """Head yaw, pitch, roll, eye yaw, eye pitch, openness and lower lid, each `(T,)`."""
    parts = []
    for start in range(0, max(len(series), 1), CHUNK_FRAMES):
        face = _pixels(series.slice(start, start + CHUNK_FRAMES))
        yaw, pitch, roll = geometry.head_pose_deg(face)
        parts.append((yaw, pitch, roll, *_eyes(face, yaw)))
    y, p, r, ey, ep, op, lo = (np.concatenate(col) for col in zip(*parts, strict=True))
    return y, p, r, ey, ep, op, lo


def compute_signals(series: LandmarkSeries, config: PipelineConfig | None = None) -> Signals:
    """Turns a landmark series into per-frame signals.

    Args:
        series: landmarks of one participant, `(T, ...)`.
        config: unused for now; kept so that every stage has the same shape.

    Returns:
        `Signals` with `(T,)` arrays, NaN where no face (or hand) was found.
    """
    yaw, pitch, roll, eye_yaw, eye_pitch, openness, lower_lid = _face_angles(series)
    visible, low, motion = _hand_signals(series)
    f32 = np.float32
    return Signals(
        timestamp_ms=series.timestamp_ms.astype(np.int64),
        face_present=series.face_present,
        confidence=_confidence(series.face_present, yaw).astype(f32),
        head_yaw_deg=yaw.astype(f32),
        head_pitch_deg=pitch.astype(f32),
        head_roll_deg=roll.astype(f32),
        eye_yaw_deg=eye_yaw.astype(f32),
        eye_pitch_deg=eye_pitch.astype(f32),
        gaze_yaw_deg=(yaw + eye_yaw).astype(f32),
        gaze_pitch_deg=(pitch + eye_pitch).astype(f32),
        eye_openness=openness.astype(f32),
        lower_lid=lower_lid.astype(f32),
        hands_visible=visible,
        hands_low=low > 0,
        hand_motion=motion.astype(f32),
    )

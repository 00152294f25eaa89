"""Crops the face mesh sees and the way back: a face region cut (and enlarged) from the frame,
landmarks re-expressed in full-frame coordinates, hands packed per person."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from pipeline.people.landmarks import LandmarkModel, empty_hands
from pipeline.people.locate import PixelBox
from pipeline.types import MAX_HANDS

F32 = npt.NDArray[np.float32]


def to_frame(points: F32, region: PixelBox, frame_wh: tuple[int, int]) -> F32:
    """Landmarks normalised to a crop, re-expressed normalised to the whole frame."""
    x, y, w, h = region
    fw, fh = frame_wh
    out = points.copy()
    out[..., 0] = (x + points[..., 0] * w) / fw
    out[..., 1] = (y + points[..., 1] * h) / fh
    out[..., 2] = points[..., 2] * w / fw
    return out


def crop(image: npt.NDArray[np.uint8], region: PixelBox, min_side_px: int) -> npt.NDArray[np.uint8]:
    x, y, w, h = region
    crop = np.ascontiguousarray(image[y : y + h, x : x + w])
    if min(w, h) >= min_side_px:
        return crop
    # Small tiles are upscaled so the mesh model sees the face at its working size.
    scale = min_side_px / min(w, h)
    size = (round(w * scale), round(h * scale))
    return np.ascontiguousarray(cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC))


def mesh(
    model: LandmarkModel,
    image: npt.NDArray[np.uint8],
    region: PixelBox,
    min_side_px: int,
    frame_wh: tuple[int, int],
) -> F32:
    """The face mesh of one region of a frame (cut out, enlarged if small), normalised to the
    whole frame; NaN where no face is found."""
    points = model.face(crop(image, region, min_side_px))
    if np.isnan(points[0, 0]):
        return points
    return to_frame(points, region, frame_wh)


def face_box(points: F32, frame_wh: tuple[int, int]) -> PixelBox:
    xs, ys = points[:, 0] * frame_wh[0], points[:, 1] * frame_wh[1]
    x0, y0 = float(np.min(xs)), float(np.min(ys))
    return (int(x0), int(y0), int(np.max(xs) - x0), int(np.max(ys) - y0))


def pack_hands(hands: list[F32]) -> F32:
    out = empty_hands()
    for slot, arr in enumerate(sorted(hands, key=lambda a: float(a[:, 0].mean()))[:MAX_HANDS]):
        out[slot] = arr
    return out

"""Finding faces and telling who is who: the full-range detector over tiles and their
quarters, duplicates merged, and a detection matched to a known person by place."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pipeline.people import locate
from pipeline.people.landmarks import FaceDetector
from pipeline.people.locate import PixelBox

Detections = list[tuple[PixelBox, float]]

# Two detections overlapping this much are one face (seen in two windows, or in two
# surveys in a row); detector boxes of one face jitter well inside it.
DUPLICATE_IOU = 0.3
# A detection is a known person's face when it overlaps their last box this much, or its
# centre is within this many face widths of it: a face moves less than that in the 1-3 s
# between surveys, and neighbours in a gallery or a group sit further apart.
SAME_FACE_IOU = 0.2
SAME_FACE_SHIFT_WIDTHS = 0.6
# Tiles at least twice this size (short side) are also searched quarter by quarter, where a
# small face fills enough of the detector's 192 px input to be found.
SURVEY_WINDOW_MIN_PX = 192


def nms(found: Detections, min_iou: float = DUPLICATE_IOU) -> Detections:
    """Keeps the most confident of overlapping detections (a face seen in several windows)."""
    kept: Detections = []
    for box, score in sorted(found, key=lambda d: -d[1]):
        if all(locate.iou(box, k[0]) < min_iou for k in kept):
            kept.append((box, score))
    return kept


def survey(
    detector: FaceDetector,
    image: npt.NDArray[np.uint8],
    tiles: list[PixelBox],
    min_side_px: int | None,
) -> Detections:
    """Faces in the frame, in pixels, searched tile by tile and, unless min_side_px is None,
    also at a closer scale (overlapping quarters of tiles at least twice that size)."""
    found: Detections = []
    for tile in tiles:
        windows = [tile] if min_side_px is None else locate.survey_windows(tile, min_side_px)
        for x, y, w, h in windows:
            rows = detector.detect(np.ascontiguousarray(image[y : y + h, x : x + w]))
            for r in rows:
                box = (int(x + r[0] * w), int(y + r[1] * h), int(r[2] * w), int(r[3] * h))
                found.append((box, float(r[4])))
    return nms(found)


def same_face(a: PixelBox, b: PixelBox) -> bool:
    """Overlapping, or centres closer than most of a face width (a face moved a little)."""
    size = max(a[2], a[3], b[2], b[3])
    near = distance(centre(a), centre(b)) < SAME_FACE_SHIFT_WIDTHS * size
    return locate.iou(a, b) >= SAME_FACE_IOU or near


def off_centre(region: PixelBox, face: PixelBox) -> bool:
    """The face has drifted out of the middle half of its crop."""
    middle = locate.face_region(region, region, 0.5)
    return not locate.contains(middle, centre(face))


def centre(box: PixelBox | tuple[float, ...]) -> tuple[float, float]:
    return (box[0] + box[2] / 2, box[1] + box[3] / 2)


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))

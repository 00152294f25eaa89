"""Call layouts: tiles separated by uniform borders, and where to look for each face.

Pure array functions over grey frames and pixel boxes `(x, y, w, h)`; no model here. The
face detector and the tracker that use these live in `landmarks` and `track`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PixelBox = tuple[int, int, int, int]
Grey = npt.NDArray[np.float32]

# A line is a border when its pixels stay within this many grey levels of its median in
# every sampled frame (video noise and compression ringing stay below it).
UNIFORM_TOLERANCE = 6.0
# ... over at least this share of its pixels (a logo or a cursor may touch a border).
UNIFORM_SHARE = 0.98
# Adjacent border lines of grey levels further apart than this are different bands (a dark
# separator next to a lighter letterbox bar).
BAND_COLOUR_STEP = 4.0
# Call apps draw borders, letterbox and pillarbox bars dark; a flat wall or a green screen
# at the edge of a single camera's picture is brighter and is not cut off.
BORDER_MAX_LEVEL = 60.0
# Smaller regions are not tiles (name labels, toolbar buttons).
MIN_TILE_PX = (96, 72)


@dataclass(frozen=True)
class Band:
    """A run `[start, stop)` of uniform lines of one grey level."""

    start: int
    stop: int
    level: float


def uniform_lines(frames: Grey, axis: int) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float32]]:
    """Which rows (axis=1) or columns (axis=0) are flat in every frame, and their grey level.

    Args:
        frames: `(K, H, W)` grey frames of one region.
        axis: 1 for rows, 0 for columns (the image axis the line runs along).
    """
    along = axis + 1
    # Every fourth pixel gives the line's level as well as all of them, at a quarter the cost.
    sample = frames[:, :, ::4] if along == 2 else frames[:, ::4, :]
    med = np.median(sample, axis=along, keepdims=True)
    close = np.abs(frames - med) <= UNIFORM_TOLERANCE
    flat = (close.mean(axis=along) >= UNIFORM_SHARE).all(axis=0)
    return flat, np.median(med, axis=0).reshape(-1).astype(np.float32)


def bands(flat: npt.NDArray[np.bool_], level: npt.NDArray[np.float32]) -> list[Band]:
    """Maximal runs of flat lines whose grey level changes smoothly."""
    out: list[Band] = []
    for i in np.flatnonzero(flat).tolist():
        last = out[-1] if out else None
        if (
            last
            and last.stop == i
            and abs(float(level[i]) - float(level[i - 1])) <= BAND_COLOUR_STEP
        ):
            out[-1] = Band(last.start, i + 1, last.level)
        else:
            out.append(Band(i, i + 1, float(level[i])))
    return out


def _trim(frames: Grey, box: PixelBox) -> tuple[PixelBox, float | None]:
    """Cuts uniform margins (letterbox, pillarbox, outer border) off a region."""
    x, y, w, h = box
    region = frames[:, y : y + h, x : x + w]
    rows, row_level = uniform_lines(region, 1)
    cols, col_level = uniform_lines(region, 0)
    rows &= row_level <= BORDER_MAX_LEVEL
    cols &= col_level <= BORDER_MAX_LEVEL
    content_rows, content_cols = np.flatnonzero(~rows), np.flatnonzero(~cols)
    if content_rows.size == 0 or content_cols.size == 0:
        return (x, y, 0, 0), None
    border = float(row_level[0]) if rows[0] else None
    y0, y1 = int(content_rows[0]), int(content_rows[-1]) + 1
    x0, x1 = int(content_cols[0]), int(content_cols[-1]) + 1
    return (x + x0, y + y0, x1 - x0, y1 - y0), border


def _separators(
    flat: npt.NDArray[np.bool_], level: npt.NDArray[np.float32], border: float | None
) -> list[Band]:
    """Interior bands (content on both sides), of the border's grey level when known."""
    found = [
        b
        for b in bands(flat, level)
        if b.start > 0 and b.stop < flat.size and b.level <= BORDER_MAX_LEVEL
    ]
    if border is not None:
        found = [b for b in found if abs(b.level - border) <= BAND_COLOUR_STEP]
    return found


def _cut(extent: int, seps: list[Band]) -> list[tuple[int, int]]:
    edges = [0, *[v for b in seps for v in (b.start, b.stop)], extent]
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]


def _split(frames: Grey, box: PixelBox, border: float | None, depth: int) -> list[PixelBox]:
    x, y, w, h = box
    if w < MIN_TILE_PX[0] or h < MIN_TILE_PX[1]:
        return []
    region = frames[:, y : y + h, x : x + w]
    for axis in (0, 1):  # columns first: gallery columns are the usual first cut
        flat, level = uniform_lines(region, axis)
        seps = _separators(flat, level, border)
        if seps and depth < 4:
            parts = _cut(w if axis == 0 else h, seps)
            sub = [(x + a, y, b - a, h) if axis == 0 else (x, y + a, w, b - a) for a, b in parts]
            return [t for s in sub for t in _split(frames, s, border, depth + 1)]
    return [box]


def find_tiles(frames: Grey) -> list[PixelBox]:
    """Tiles of a call recording: regions separated by uniform borders.

    A plain single-camera video yields one tile, its whole frame (less any letterbox).

    Args:
        frames: `(K, H, W)` grey frames sampled over a few seconds; lines must be flat in
            all of them to count as borders, so a plain wall in one frame does not.

    Returns:
        Pixel boxes `(x, y, w, h)`, top-to-bottom then left-to-right.
    """
    _, height, width = frames.shape
    inner, border = _trim(frames, (0, 0, width, height))
    tiles = _split(frames, inner, border, 0) if inner[2] and inner[3] else []
    return sorted(tiles, key=lambda b: (b[1], b[0])) or [(0, 0, width, height)]


def iou(a: PixelBox | tuple[float, ...], b: PixelBox | tuple[float, ...]) -> float:
    """Intersection over union of two `(x, y, w, h)` boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def contains(box: PixelBox | tuple[float, ...], point: tuple[float, float]) -> bool:
    return bool(box[0] <= point[0] < box[0] + box[2] and box[1] <= point[1] < box[1] + box[3])


def face_region(face: PixelBox, tile: PixelBox, scale: float) -> PixelBox:
    """A square crop around a face, `scale` face-widths wide, kept inside its tile."""
    cx, cy = face[0] + face[2] / 2, face[1] + face[3] / 2
    side = int(min(max(face[2], face[3]) * scale, tile[2], tile[3]))
    x = int(np.clip(cx - side / 2, tile[0], tile[0] + tile[2] - side))
    y = int(np.clip(cy - side / 2, tile[1], tile[1] + tile[3] - side))
    return (x, y, side, side)


def survey_windows(tile: PixelBox, min_side_px: int) -> list[PixelBox]:
    """Where to run the face detector in a tile: the tile, then overlapping quarters, so that
    faces too small for the detector at the tile's scale are seen at a closer one."""
    x, y, w, h = tile
    out = [tile]
    if min(w, h) >= 2 * min_side_px:
        # 60% quarters overlap by a fifth, so a face on a midline is whole in one of them.
        hw, hh = int(w * 0.6), int(h * 0.6)
        for ox in (0, w - hw):
            for oy in (0, h - hh):
                out.append((x + ox, y + oy, hw, hh))
    return out

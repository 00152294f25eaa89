"""Call layouts from pixels: tiles between uniform borders, search windows, face crops."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.people import locate


def _frames(
    width: int,
    height: int,
    tiles: list[tuple[int, int, int, int]],
    *,
    border: int = 15,
    k: int = 4,
    seed: int = 0,
) -> np.ndarray:
    """K grey frames: a flat border colour with changing textured content in each tile."""
    rng = np.random.default_rng(seed)
    frames = np.full((k, height, width), float(border), dtype=np.float32)
    for x, y, w, h in tiles:
        frames[:, y : y + h, x : x + w] = rng.uniform(40, 220, size=(k, h, w))
    return frames


@pytest.mark.parametrize(
    ("size", "tiles"),
    [
        # a 2x2 gallery with 8 px borders
        (
            (1304, 984),
            [(8, 8, 640, 480), (656, 8, 640, 480), (8, 496, 640, 480), (656, 496, 640, 480)],
        ),
        # side by side with a wide gap and outer margins
        ((1328, 512), [(96, 16, 480, 480), (672, 16, 640, 480)]),
        # a single camera, pillarboxed
        ((1280, 720), [(160, 0, 960, 720)]),
        # a plain video: the whole frame
        ((640, 480), [(0, 0, 640, 480)]),
        # 3x3 gallery
        ((960, 720), [(x, y, 312, 232) for y in (4, 244, 484) for x in (4, 324, 644)]),
    ],
)
def test_find_tiles_recovers_the_layout(
    size: tuple[int, int], tiles: list[tuple[int, int, int, int]]
) -> None:
    found = locate.find_tiles(_frames(*size, tiles))
    assert found == sorted(tiles, key=lambda b: (b[1], b[0]))


def test_a_letterboxed_tile_keeps_its_bars() -> None:
    # Bottom-right tile shows a portrait phone between lighter bars (grey 31 vs border 15).
    tiles = [(8, 8, 640, 480), (656, 8, 640, 480), (8, 496, 640, 480)]
    frames = _frames(1304, 984, tiles)
    frames[:, 496:976, 656:1296] = 31.0
    frames[:, 496:976, 840:1111] = np.random.default_rng(1).uniform(40, 220, (4, 480, 271))
    found = locate.find_tiles(frames)
    assert (656, 496, 640, 480) in found and len(found) == 4


def test_a_flat_wall_in_one_frame_is_not_a_border() -> None:
    frames = _frames(640, 480, [(0, 0, 640, 480)])
    frames[0, 200:210, :] = 90.0  # flat band in a single frame only
    assert locate.find_tiles(frames) == [(0, 0, 640, 480)]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),  # identical
        ((0, 0, 10, 10), (5, 0, 10, 10), 50 / 150),  # half overlap
        ((0, 0, 10, 10), (20, 20, 5, 5), 0.0),  # apart
    ],
)
def test_iou(a: tuple[int, ...], b: tuple[int, ...], expected: float) -> None:
    np.testing.assert_allclose(locate.iou(a, b), expected, atol=1e-9)


def test_face_region_is_square_and_stays_inside_the_tile() -> None:
    tile = (1000, 500, 256, 192)
    region = locate.face_region((1200, 650, 60, 60), tile, 3.0)
    x, y, w, h = region
    assert w == h == 180
    assert tile[0] <= x and x + w <= tile[0] + tile[2]
    assert tile[1] <= y and y + h <= tile[1] + tile[3]


def test_survey_windows_add_quarters_only_for_big_tiles() -> None:
    assert len(locate.survey_windows((0, 0, 300, 200), 192)) == 1
    windows = locate.survey_windows((0, 0, 1280, 720), 192)
    assert len(windows) == 5 and all(w[2] < 1280 for w in windows[1:])

"""Call layouts on real composites: every participant found, followed and analysed alone.

The composites in ../shared/data/videos are assembled from real clips; the layout files say
where each tile sits and which clip it shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.analyze import Analysed, analyse_recording, analyse_series, locate_and_record
from pipeline.config import PipelineConfig
from pipeline.people.locate import iou
from pipeline.people.record import Hooks, Recording, choose
from tests.conftest import DATA_DIR, shared_path

pytestmark = pytest.mark.mediapipe

CONFIG = PipelineConfig()
Box = tuple[float, float, float, float]


def _layout(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(shared_path(f"layouts/{name}.json").read_text())
    return data


def _tile_box(layout: dict[str, Any], tile: dict[str, Any]) -> Box:
    w, h = layout["size_wh"]
    x, y, tw, th = tile["tile_xywh"]
    return (x / w, y / h, tw / w, th / h)


@pytest.fixture(scope="module")
def analysed() -> dict[str, tuple[Recording, list[Analysed]]]:
    out = {}
    for name in ("layout_grid2x2_call", "layout_speaker_view_small_tile"):
        video = shared_path(_layout(name)["video"])
        rec, chosen = locate_and_record(video, CONFIG, "auto", Hooks())
        out[name] = (rec, analyse_recording(rec, chosen, CONFIG))
    return out


def test_the_grid_yields_four_participants_each_in_its_tile(analysed: dict[str, Any]) -> None:
    layout = _layout("layout_grid2x2_call")
    rec, people = analysed["layout_grid2x2_call"]
    assert len(rec.people) == 4
    for tile in layout["tiles"]:
        box = _tile_box(layout, tile)
        index = choose(rec, box)
        assert index is not None, tile["source"]
        assert people[index].person.coverage >= 0.9
        assert iou(rec.people[index].box_xywh, box) >= 0.9


def test_the_speaker_view_yields_the_speaker_and_the_small_self_view(
    analysed: dict[str, Any],
) -> None:
    layout = _layout("layout_speaker_view_small_tile")
    rec, people = analysed["layout_speaker_view_small_tile"]
    main, small = (_tile_box(layout, t) for t in layout["tiles"])
    assert len(rec.people) == 2
    speaker, self_view = choose(rec, main), choose(rec, small)
    assert speaker == 0 and self_view == 1  # the large face is the most prominent
    assert people[speaker].person.coverage >= 0.8 and people[self_view].person.coverage >= 0.8
    assert iou(rec.people[speaker].box_xywh, main) >= 0.7
    assert iou(rec.people[self_view].box_xywh, small) >= 0.4


def _alone(source: str, offset_ms: int, duration_ms: int) -> Analysed:
    """The source clip analysed by itself over the span the tile shows."""
    rec, _ = locate_and_record(shared_path(source), CONFIG, "auto", Hooks())
    series = rec.people[0].series
    t = series.timestamp_ms
    inside = np.flatnonzero((t >= offset_ms) & (t < offset_ms + duration_ms))
    return analyse_series(series.slice(int(inside[0]), int(inside[-1]) + 1), CONFIG)


def _agreement(tile: Analysed, alone: Analysed, offset_ms: int) -> float:
    source_t = alone.person.states.timestamp_ms - offset_ms
    same = []
    for t, state in zip(tile.person.states.timestamp_ms, tile.person.states.attention, strict=True):
        j = int(np.argmin(np.abs(source_t - t)))
        if abs(int(source_t[j]) - int(t)) <= 120:  # the two sampling grids within a frame
            same.append(state == alone.person.states.attention[j])
    assert len(same) > 50
    return float(np.mean(same))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["layout_grid2x2_call", "layout_speaker_view_small_tile"])
def test_each_tile_agrees_with_its_source_clip_analysed_alone(
    name: str, analysed: dict[str, Any]
) -> None:
    layout = _layout(name)
    rec, people = analysed[name]
    for tile in layout["tiles"]:
        index = choose(rec, _tile_box(layout, tile))
        assert index is not None
        offset = int(tile["source_offset_s"] * 1000)
        alone = _alone(tile["source"], offset, int(layout["duration_s"] * 1000))
        assert _agreement(people[index], alone, offset) >= 0.85, tile["source"]


def _interviewer(tmp_path: Path, participant: str) -> tuple[dict[str, Any], dict[str, Any]]:
    video = DATA_DIR / "videos" / "layout_grid2x2_call.mp4"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "analyze",
            str(video),
            "--out",
            str(tmp_path),
            "--participant",
            participant,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / "result.json").read_text())
    lead = next(p for p in doc["participants"] if p["id"] == doc["interviewer"]["id"])
    return doc, lead


@pytest.mark.slow
def test_participant_box_and_index_choose_whom_to_judge(tmp_path: Path) -> None:
    layout = _layout("layout_grid2x2_call")
    top_right = _tile_box(layout, layout["tiles"][1])
    spec = ",".join(f"{v:.4f}" for v in top_right)
    doc, lead = _interviewer(tmp_path / "box", spec)
    assert lead["role"] == "interviewer" and iou(tuple(lead["box"]), top_right) >= 0.9
    assert doc["timeline"]["participant"] == lead["id"]
    doc, lead = _interviewer(tmp_path / "index", "2")
    assert lead["id"] == "p2" and doc["participants"][2]["role"] == "interviewer"
    assert sum(p["role"] == "interviewer" for p in doc["participants"]) == 1

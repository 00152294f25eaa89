"""Fitted thresholds scored honestly: the grid search, leave-one-clip-out, the real figures."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pipeline.config import FIT_GRID, PipelineConfig
from pipeline.evaluation import evaluate
from pipeline.evaluation.crossval import (
    Clip,
    clip_from_series,
    cross_validate,
    fit_values,
    format_cv,
    grid_points,
    macro_f1,
)
from pipeline.evaluation.provenance import assembled_from, data_dir_groups, recording_groups
from pipeline.types import Attention
from tests.conftest import LANDMARKS_DIR, recording

S, D, A = int(Attention.SCREEN), int(Attention.DOWN), int(Attention.AWAY)
ATOL = 1e-12


def _label(name: str, spans: list[tuple[int, int, str]]) -> evaluate.LabelFile:
    segments = [evaluate.Segment(a, b, Attention.from_label(s)) for a, b, s in spans]
    return evaluate.LabelFile(name, Path(f"videos/{name}.mp4"), None, segments, [])


def _glance_clip(name: str, glance_deg: float) -> Clip:
    """One second on the screen, then one second of a glance `glance_deg` aside (labelled
    away): predicted away when the glance passes the config's `away_yaw_deg`."""
    label = _label(name, [(0, 1000, "screen"), (1000, 2000, "away")])
    t = np.arange(0, 2000, 100, dtype=np.int64)

    def predict(config: PipelineConfig) -> tuple[npt.NDArray[Any], npt.NDArray[np.int8]]:
        seen = np.where(t >= 1000, glance_deg, 0.0)
        return t, np.where(seen > config.away_yaw_deg, A, S).astype(np.int8)

    return Clip(label, predict)


GRID = {"away_yaw_deg": (5.0, 10.0, 15.0)}


def test_grid_points_vary_the_first_field_slowest() -> None:
    grid = {"away_yaw_deg": (1.0, 2.0), "down_pitch_deg": (3.0, 4.0, 5.0)}
    points = grid_points(grid)
    assert len(points) == 6
    assert points[0] == {"away_yaw_deg": 1.0, "down_pitch_deg": 3.0}
    assert points[1] == {"away_yaw_deg": 1.0, "down_pitch_deg": 4.0}
    assert points[-1] == {"away_yaw_deg": 2.0, "down_pitch_deg": 5.0}


def test_every_fitted_field_is_a_config_field() -> None:
    fields = PipelineConfig().as_dict()
    for name, values in FIT_GRID.items():
        assert name in fields
        assert len(values) >= 2 and list(values) == sorted(values)


@settings(max_examples=100, deadline=None)
@given(arrays(np.int64, (5, 5), elements=st.integers(0, 40)), st.integers(1, 30))
def test_vectorised_macro_f1_is_the_report_s(
    confusion: npt.NDArray[np.int64], support: int
) -> None:
    clip = evaluate.ClipScore("c", int(confusion.sum()), 0, math.nan, confusion)
    report = evaluate.summarize([clip], min_support=support)
    got = float(macro_f1(confusion[None], support)[0])
    if math.isnan(report.macro_f1):
        assert math.isnan(got)
    else:
        np.testing.assert_allclose(got, report.macro_f1, rtol=0, atol=ATOL)


def test_each_clip_is_scored_with_values_fitted_without_it() -> None:
    # Two clips glance 12 degrees aside (caught by 5 and 10), one glances 7 (caught by 5
    # only) and one has a screen-only clip whose wobble of 8 degrees 5 calls away.
    clips = [
        _glance_clip("a", 12.0),
        _glance_clip("b", 12.0),
        _glance_clip("c", 7.0),
        Clip(_label("d", [(0, 2000, "screen")]), _glance_clip("d", 8.0).predict),
    ]
    result = cross_validate(clips, grid=GRID, min_support=1)
    # On all four, 10 is best (5 calls d's wobble away, 15 misses every glance), and so it is
    # without a, b or c; without d, nothing argues against 5, which also catches c's glance.
    assert result.fitted == {"away_yaw_deg": 10.0}
    assert result.fold_values["away_yaw_deg"] == [10.0, 10.0, 10.0, 5.0]
    by_name = {c.name: c for c in result.cross_validated.clips}
    # Held out, c is judged with 10 and its glance is missed (3 screen frames right of 6).
    assert (by_name["c"].scored, by_name["c"].correct) == (6, 3)
    # Held out, d is judged with 5 and its wobble reads away (6 of 13 frames right).
    assert (by_name["d"].scored, by_name["d"].correct) == (13, 6)
    assert (by_name["a"].correct, by_name["b"].correct) == (6, 6)
    assert result.in_sample.macro_f1 >= result.cross_validated.macro_f1
    assert "cross-validated" in format_cv(result)


def test_fit_values_chooses_the_best_and_breaks_ties_toward_the_middle() -> None:
    # Every glance is 20 degrees: all three values are perfect, so the middle one wins.
    clips = [_glance_clip("a", 20.0), _glance_clip("b", 20.0)]
    fitted, report = fit_values(clips, grid=GRID, min_support=1)
    assert fitted == {"away_yaw_deg": 10.0}
    np.testing.assert_allclose(report.macro_f1, 1.0, rtol=0, atol=ATOL)


@pytest.mark.parametrize(
    ("clips", "grid", "match"),
    [
        ([_glance_clip("a", 1.0)], GRID, "at least two clips"),  # nothing to hold out
        ([_glance_clip("a", 1.0)] * 2, {"no_such_field": (1.0, 2.0)}, "no_such_field"),
    ],
)
def test_cross_validate_rejects(clips: list[Clip], grid: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cross_validate(clips, grid=grid)


def test_clips_of_one_recording_are_held_out_together() -> None:
    # b is a composite of a (the same frames): holding out a alone would leave b's copy of
    # them to vote for the value a is scored with. d's one scored wobble frame (1000 ms)
    # argues for 10 only once a and b are both out.
    clips = [
        _glance_clip("a", 7.0),
        _glance_clip("b", 7.0),
        _glance_clip("c", 12.0),
        Clip(_label("d", [(0, 1400, "screen")]), _glance_clip("d", 8.0).predict),
    ]
    result = cross_validate(clips, grid=GRID, min_support=1, groups=["a", "a", "c", "d"])
    without_ab, _ = fit_values(clips[2:], grid=GRID, min_support=1)
    assert result.fold_values["away_yaw_deg"][:2] == [without_ab["away_yaw_deg"]] * 2
    # Clip by clip instead, b's copy of a's glance picks 5 for a (and a's for b).
    alone = cross_validate(clips, grid=GRID, min_support=1)
    assert alone.fold_values["away_yaw_deg"][:2] == [5.0, 5.0]
    assert without_ab == {"away_yaw_deg": 10.0}


README_ROWS = """| file | source | licence |
| --- | --- | --- |
| `videos/webcam_office_man.avi` | liulianjushi/OpenFace_Python @ 60ed1256 | OpenFace |
| `videos/layout_grid.mp4` | assembled from four clips above (tiles in `layouts/g.json`) | x |
| `videos/composite_a.mp4` | assembled from `webcam_office_man.avi` | as source |
| `videos/composite_b.mp4` | assembled from `talk_suit.mp4` + `composite_a.mp4` | as sources |
"""


def test_composites_join_the_recordings_they_were_assembled_from() -> None:
    sources = assembled_from(README_ROWS)
    # the layout row names no clip (its tiles are in another file); the others name theirs
    assert sources == {
        "composite_a": ["webcam_office_man"],
        "composite_b": ["talk_suit", "composite_a"],
    }
    names = ["composite_a", "composite_b", "other", "webcam_office_man"]
    # b joins a, which joins the office clip; talk_suit is not labelled and joins nothing
    assert recording_groups(names, sources) == ["composite_a"] * 2 + ["other", "composite_a"]


def test_the_shared_composites_go_with_their_source(data_dir: Path) -> None:
    names = ["composite_camera_off_and_back", "composite_side_by_side_call", "talk_blazer"]
    names.append("webcam_office_man")
    groups = data_dir_groups(data_dir, names)
    assert groups[0] == groups[1] == groups[3] != groups[2]


# --- the real figures ---------------------------------------------------------------------


def _recorded_clips(data_dir: Path) -> list[Clip]:
    labels = [
        lab
        for lab in evaluate.load_labels(data_dir, [LANDMARKS_DIR.parent / "labels"])
        if (LANDMARKS_DIR / f"{lab.name}.npz").exists()
    ]
    assert len(labels) >= 39, "labelled recordings missing: run `make recordings`"
    return [clip_from_series(lab, recording(lab.name)) for lab in labels]


@pytest.mark.slow
def test_shipped_values_are_the_fit_and_hold_up_held_out(data_dir: Path) -> None:
    clips = _recorded_clips(data_dir)
    groups = data_dir_groups(data_dir, [c.label.name for c in clips])
    result = cross_validate(clips, groups=groups)
    shipped = PipelineConfig().as_dict()
    # `cuewatch fit` wrote these into PipelineConfig: regenerate after changing the model.
    assert {k: shipped[k] for k in FIT_GRID} == result.fitted, format_cv(result)
    cv = result.cross_validated
    # Issue 12's targets, cross-validated; floors at what the code achieves today.
    assert cv.macro_f1 >= CV_MACRO_F1_FLOOR, format_cv(result)
    assert cv.screen_f1 >= CV_SCREEN_F1_FLOOR, format_cv(result)
    assert result.in_sample.macro_f1 >= cv.macro_f1


# 0.910 on 42 clips; 0.897 since four more allowed clips were labelled (issue 12), two of
# them a woman looking at a partner beside the camera for the whole clip: with no look at
# the lens to learn from, the partner's direction is taken for the screen; 0.899 since the
# tracker follows moving faces (issue 12's bar of 0.90 is not met on the enlarged set).
CV_MACRO_F1_FLOOR = 0.89
CV_SCREEN_F1_FLOOR = 0.965

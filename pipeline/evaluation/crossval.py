"""Fitting thresholds to labelled clips, and scoring them on clips they were not fitted on.

The values `cuewatch fit` chooses (the `FIT_GRID` fields of `PipelineConfig`) are picked by a
grid search for the best macro-F1 over the labelled clips. Scored on those same clips, that
flatters them; `cross_validate` also repeats the search once per clip without it (leave one
clip out; a composite and the clip it was assembled from go out together, as one recording)
and scores each clip with the values fitted on the others, which is what a new recording can
expect.

Every grid point is scored on every clip once; a fold's fit is then the argmax over the pooled
confusions less the held-out clips', so a fold costs a subtraction, not a new search.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from pipeline.attention.calibrate import judge, learn_baseline
from pipeline.attention.signals import compute_signals
from pipeline.config import FIT_GRID, PipelineConfig
from pipeline.evaluation.evaluate import (
    N_STATES,
    ClipScore,
    EvalReport,
    LabelFile,
    format_report,
    report_to_json,
    score_clip,
    summarize,
    truth_for,
)
from pipeline.types import LandmarkSeries, StateArray

# (timestamp_ms (T,), Attention codes (T,)) of one clip under one config.
Predict = Callable[[PipelineConfig], tuple[npt.NDArray[Any], StateArray]]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Clip:
    """A labelled clip and how to predict its states under any config."""

    label: LabelFile
    predict: Predict


@dataclass(frozen=True)
class CrossValidation:
    """Fitted values and their scores.

    Attributes:
        fitted: `FIT_GRID` field -> value fitted on every clip.
        in_sample: every clip scored with `fitted` (the values were chosen on these clips).
        cross_validated: every clip scored with the values fitted on the other recordings.
        fold_values: `FIT_GRID` field -> the value each fold chose, in clip order.
    """

    fitted: dict[str, float]
    in_sample: EvalReport
    cross_validated: EvalReport
    fold_values: dict[str, list[float]]


def grid_points(grid: dict[str, tuple[float, ...]] = FIT_GRID) -> list[dict[str, float]]:
    """Every combination of the grid's values, the first field varying slowest."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


def with_values(base: PipelineConfig, values: dict[str, float]) -> PipelineConfig:
    """`base` with some fields replaced (fields are validated by `_search`)."""
    return replace(base, **cast(dict[str, Any], values))


def _confusions(
    clips: Sequence[Clip], points: list[dict[str, float]], base: PipelineConfig
) -> tuple[IntArray, list[list[ClipScore]]]:
    """`(P, K, 5, 5)` confusions of every grid point on every clip, and the clip scores."""
    per_clip = [_clip_confusions(clip, points, base) for clip in clips]
    confusion = np.stack(per_clip, axis=1)
    scores = [
        [_clip_score(clip.label.name, confusion[p, k]) for k, clip in enumerate(clips)]
        for p in range(len(points))
    ]
    return confusion, scores


def _clip_confusions(clip: Clip, points: list[dict[str, float]], base: PipelineConfig) -> IntArray:
    """`(P, 5, 5)`: the clip's truth is looked up once; only the predictions change."""
    first = score_clip(clip.label, *clip.predict(with_values(base, points[0])))
    timestamp_ms, _ = clip.predict(base)
    truth = truth_for(clip.label, timestamp_ms)
    scored = truth >= 0
    out = np.empty((len(points), N_STATES, N_STATES), dtype=np.int64)
    out[0] = first.confusion
    for p, point in enumerate(points[1:], start=1):
        _, predicted = clip.predict(with_values(base, point))
        flat = truth[scored].astype(np.int64) * N_STATES + predicted[scored]
        out[p] = np.bincount(flat, minlength=N_STATES * N_STATES).reshape(N_STATES, N_STATES)
    return out


def _clip_score(name: str, confusion: IntArray) -> ClipScore:
    n, correct = int(confusion.sum()), int(np.trace(confusion))
    return ClipScore(name, n, correct, correct / n if n else math.nan, confusion)


def macro_f1(confusion: IntArray, min_support: int) -> FloatArray:
    """Macro-F1 of each of a stack of `(..., 5, 5)` confusions, as `summarize` computes it.

    States with fewer than `min_support` true frames are left out; with none left, NaN.
    """
    tp = np.diagonal(confusion, axis1=-2, axis2=-1).astype(np.float64)
    support = confusion.sum(axis=-1)
    predicted = confusion.sum(axis=-2)
    den = support + predicted
    f1 = np.divide(2 * tp, den, out=np.zeros_like(tp), where=den > 0)
    counted = support >= min_support
    n = counted.sum(axis=-1)
    total = np.where(counted, f1, 0.0).sum(axis=-1)
    return np.divide(total, n, out=np.full(total.shape, np.nan), where=n > 0)


def _centrality(grid: dict[str, tuple[float, ...]]) -> FloatArray:
    """How far each grid point is from the middle of the grid (ties go to the middle)."""
    offsets = [np.abs(np.arange(len(v)) - (len(v) - 1) / 2) for v in grid.values()]
    return np.array([sum(c) for c in itertools.product(*offsets)], dtype=np.float64)


def _best(confusion: IntArray, centrality: FloatArray, min_support: int) -> int:
    """The grid point with the best macro-F1 on `(P, 5, 5)` pooled confusions."""
    score = np.nan_to_num(macro_f1(confusion, min_support), nan=-1.0)
    # Differences under a hundredth of a frame's worth are ties, and ties go to the middle.
    tied = score >= score.max() - 1e-9
    return int(np.flatnonzero(tied)[np.argmin(centrality[tied])])


@dataclass(frozen=True)
class _Search:
    points: list[dict[str, float]]
    confusion: IntArray  # (P, K, 5, 5)
    scores: list[list[ClipScore]]  # [P][K]
    centrality: FloatArray
    min_support: int

    @property
    def tie_break(self) -> tuple[FloatArray, int]:
        return self.centrality, self.min_support


def _search(
    clips: Sequence[Clip],
    base: PipelineConfig,
    grid: dict[str, tuple[float, ...]],
    min_support: int | None,
) -> _Search:
    unknown = sorted(set(grid) - set(base.as_dict()))
    if unknown:
        raise ValueError(f"grid fields not in PipelineConfig: {', '.join(unknown)}")
    support = summarize([]).min_support if min_support is None else min_support
    points = grid_points(grid)
    confusion, scores = _confusions(clips, points, base)
    return _Search(points, confusion, scores, _centrality(grid), support)


def fit_values(
    clips: Sequence[Clip],
    base: PipelineConfig | None = None,
    grid: dict[str, tuple[float, ...]] = FIT_GRID,
    min_support: int | None = None,
) -> tuple[dict[str, float], EvalReport]:
    """The grid point with the best macro-F1 over the clips, and its (in-sample) report.

    Args:
        clips: the labelled clips.
        base: the config whose other fields stay as they are; defaults to `PipelineConfig()`.
        grid: config field -> candidate values.
        min_support: true frames a state needs to count in macro-F1 (default as `summarize`).

    Raises:
        ValueError: a grid field that `PipelineConfig` lacks.
    """
    found = _search(clips, base or PipelineConfig(), grid, min_support)
    best = _best(found.confusion.sum(axis=1), found.centrality, found.min_support)
    return found.points[best], summarize(found.scores[best], found.min_support)


def cross_validate(
    clips: Sequence[Clip],
    base: PipelineConfig | None = None,
    grid: dict[str, tuple[float, ...]] = FIT_GRID,
    min_support: int | None = None,
    groups: Sequence[str] | None = None,
) -> CrossValidation:
    """Fits the grid on all clips and, once per recording, on all the others.

    Args:
        clips: the labelled clips (at least two recordings).
        base: the config whose other fields stay as they are; defaults to `PipelineConfig()`.
        grid: config field -> candidate values.
        min_support: true frames a state needs to count in macro-F1 (default as `summarize`).
        groups: each clip's recording (`provenance.recording_groups`): clips of one recording
            are held out together. Default: every clip its own.

    Returns:
        The values fitted on every clip, their in-sample scores, and the held-out scores
        with each clip's fold values.

    Raises:
        ValueError: fewer than two recordings, `groups` of the wrong length, or a grid field
            that `PipelineConfig` lacks.
    """
    group_of = np.asarray(list(groups) if groups is not None else range(len(clips)))
    if group_of.shape[0] != len(clips):
        raise ValueError(f"groups has {group_of.shape[0]} entries for {len(clips)} clips")
    recordings = len(set(group_of.tolist()))
    if recordings < 2:
        raise ValueError(f"cross-validation needs at least two clips, got {recordings}")
    found = _search(clips, base or PipelineConfig(), grid, min_support)
    total = found.confusion.sum(axis=1)
    best_all = _best(total, found.centrality, found.min_support)
    fold_of = {
        g: _best(total - found.confusion[:, group_of == g].sum(axis=1), *found.tie_break)
        for g in set(group_of.tolist())
    }
    folds = [fold_of[g] for g in group_of.tolist()]
    held_out = [found.scores[p][k] for k, p in enumerate(folds)]
    return CrossValidation(
        fitted=found.points[best_all],
        in_sample=summarize(found.scores[best_all], found.min_support),
        cross_validated=summarize(held_out, found.min_support),
        fold_values={name: [found.points[p][name] for p in folds] for name in grid},
    )


def clip_from_series(label: LabelFile, series: LandmarkSeries) -> Clip:
    """A clip whose states are predicted from its landmarks under any config.

    The signals and the baseline are computed once: the fitted fields are thresholds of the
    states, which neither depends on.
    """
    signals = compute_signals(series)
    base = learn_baseline(signals, PipelineConfig())

    def predict(config: PipelineConfig) -> tuple[npt.NDArray[Any], StateArray]:
        states = judge(signals, base, config)
        return states.timestamp_ms, states.attention

    return Clip(label, predict)


def _fold_lines(result: CrossValidation) -> list[str]:
    lines = ["fitted values: on every clip; range chosen by the leave-one-recording-out folds"]
    for name, value in result.fitted.items():
        folds = result.fold_values[name]
        lines.append(f"  {name:<22}{value:>8g}   folds {min(folds):g}-{max(folds):g}")
    return lines


def format_cv(result: CrossValidation) -> str:
    """Plain-text tables: the fitted values, then in-sample and cross-validated reports."""
    return "\n".join(
        [
            *_fold_lines(result),
            "",
            "== in sample: the fitted values, scored on the clips they were fitted on ==",
            format_report(result.in_sample),
            "== cross-validated: each clip scored with values fitted on the other recordings ==",
            format_report(result.cross_validated),
        ]
    )


def cv_to_json(result: CrossValidation) -> dict[str, Any]:
    """A JSON-safe dict: `fitted`, `fold_values`, `fitted_in_sample`, `cross_validated`."""
    return {
        "fitted": dict(result.fitted),
        "fold_values": {k: list(v) for k, v in result.fold_values.items()},
        "fitted_in_sample": report_to_json(result.in_sample),
        "cross_validated": report_to_json(result.cross_validated),
    }


def config_block(fitted: dict[str, float]) -> str:
    """The fitted values as lines to put in `PipelineConfig`'s fitted block."""
    return "\n".join(f"    {name}: float = {value!r}" for name, value in fitted.items()) + "\n"

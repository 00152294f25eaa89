"""Scores predicted attention states against the labelled clips (ARCHITECTURE section 4).

A frame is scored when it lies inside a labelled segment and *more than* `margin_ms` from
both boundaries of that segment: a frame exactly 300 ms from a boundary is not scored, one at
301 ms is. Frames outside every segment are never scored.

Precision, recall and F1 whose denominator is zero are 0.0, not NaN: a state that is never
predicted has precision 0.0, one that never occurs has recall 0.0. Such states only enter
macro-F1 when they have at least `min_support` true frames, so this never hides a real score.
An accuracy or macro-F1 over nothing (no scored frames, no state with enough support) is NaN.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pipeline.evaluation.labels import LabelFile, Segment, load_labels
from pipeline.types import ATTENTION_LABELS, Attention, IntArray, StateArray

__all__ = [
    "ClipScore",
    "EvalReport",
    "LabelFile",
    "Segment",
    "format_report",
    "labelled_clips",
    "load_labels",
    "report_to_json",
    "run_eval",
    "score_clip",
    "summarize",
    "truth_for",
]

logger = logging.getLogger("cuewatch")

N_STATES = len(ATTENTION_LABELS)
# Annotators mark transitions at about 0.1-0.25 s resolution; 300 ms keeps their uncertainty
# about where a look starts and ends out of the score (ARCHITECTURE section 4).
MARGIN_MS = 300
# Below 20 scored frames (4 s at 5 fps) a state's F1 swings on a handful of frames, so
# macro-F1 leaves it out (ARCHITECTURE section 4).
MIN_SUPPORT = 20

Box = tuple[float, float, float, float]
AnyArray = npt.NDArray[Any]
PredictFn = Callable[[LabelFile], tuple[AnyArray, AnyArray]]
ClipProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ClipScore:
    """Scored frames of one clip.

    Attributes:
        name: the label file's stem.
        scored: frames that were scored.
        correct: scored frames whose prediction matches the label.
        accuracy: `correct / scored`, NaN when nothing was scored.
        confusion: `(5, 5)` int64, rows true, columns predicted, in `ATTENTION_LABELS` order.
    """

    name: str
    scored: int
    correct: int
    accuracy: float
    confusion: IntArray


@dataclass(frozen=True)
class EvalReport:
    """Scores over all clips.

    Attributes:
        clips: per-clip scores, in evaluation order.
        confusion: `(5, 5)` int64 summed over clips, rows true, columns predicted, both in
            `ATTENTION_LABELS` order.
        per_state: label -> `precision`, `recall`, `f1` (floats) and `support` (true frames).
        macro_f1: mean F1 of `macro_states`; NaN when there are none.
        macro_states: states with at least `min_support` scored frames.
        screen_f1: F1 of screen (positive) against every other state.
        frames: total scored frames.
        min_support: the support a state needs to enter macro-F1.
    """

    clips: list[ClipScore]
    confusion: IntArray
    per_state: dict[str, dict[str, float | int]]
    macro_f1: float
    macro_states: list[str]
    screen_f1: float
    frames: int
    min_support: int = MIN_SUPPORT


# --- label files --------------------------------------------------------------------------


# --- scoring ------------------------------------------------------------------------------


def _vector(name: str, values: npt.ArrayLike, kinds: str) -> AnyArray:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.dtype.kind not in kinds:
        raise ValueError(
            f"{name} must be a 1-D numeric array, got shape {arr.shape} of {arr.dtype}"
        )
    return arr


def _codes(predicted: npt.ArrayLike, length: int) -> StateArray:
    pred = _vector("predicted", predicted, "iu")
    if pred.shape[0] != length:
        raise ValueError(f"predicted has {pred.shape[0]} frames, timestamp_ms has {length}")
    bad = pred[(pred < 0) | (pred >= N_STATES)]
    if bad.size:
        raise ValueError(f"predicted has code {bad[0]}, expected Attention codes 0-4")
    return pred.astype(np.int8)


def truth_for(label: LabelFile, timestamp_ms: AnyArray, margin_ms: int = MARGIN_MS) -> StateArray:
    """The labelled state of each frame, or -1 where the frame is not scored.

    A frame is scored when it lies in a segment and is strictly more than `margin_ms` from
    both of its boundaries (so with `margin_ms=0` a frame on a boundary is still not scored).

    Args:
        label: the clip's labels.
        timestamp_ms: `(T,)` frame times in ms from the first frame; NaN is never scored.
        margin_ms: the distance to a boundary at or below which a frame is left out.

    Returns:
        `(T,)` int8 `Attention` codes, -1 where not scored.

    Raises:
        ValueError: `timestamp_ms` is not a 1-D numeric array, or `margin_ms` is negative.
    """
    t = _vector("timestamp_ms", timestamp_ms, "iuf").astype(np.float64)
    if margin_ms < 0:
        raise ValueError(f"margin_ms must be >= 0, got {margin_ms}")
    truth = np.full(t.shape, -1, dtype=np.int8)
    if not label.segments:
        return truth
    starts = np.array([s.start_ms for s in label.segments], dtype=np.float64)
    ends = np.array([s.end_ms for s in label.segments], dtype=np.float64)
    codes = np.array([int(s.attention) for s in label.segments], dtype=np.int8)
    # Segments are sorted and disjoint, so the only one that can hold t starts last before it.
    k = np.searchsorted(starts, t, side="right") - 1
    inside = k >= 0
    k = np.maximum(k, 0)
    scored = inside & (t - starts[k] > margin_ms) & (ends[k] - t > margin_ms)
    truth[scored] = codes[k[scored]]
    return truth


def _confusion(truth: StateArray, predicted: StateArray) -> IntArray:
    flat = truth.astype(np.int64) * N_STATES + predicted.astype(np.int64)
    return np.bincount(flat, minlength=N_STATES * N_STATES).reshape(N_STATES, N_STATES)


def score_clip(label: LabelFile, timestamp_ms: AnyArray, predicted: AnyArray) -> ClipScore:
    """Scores one clip's predicted states against its labels.

    Args:
        label: the clip's labels.
        timestamp_ms: `(T,)` analysed frame times in ms from the first frame.
        predicted: `(T,)` integer `Attention` codes (0-4) for those frames.

    Returns:
        The clip's scored and correct frames, accuracy (NaN when nothing is scored) and
        `(5, 5)` confusion matrix.

    Raises:
        ValueError: the arrays are not 1-D, differ in length, or a code is not 0-4.
    """
    truth = truth_for(label, timestamp_ms)
    pred = _codes(predicted, truth.shape[0])
    scored = truth >= 0
    confusion = _confusion(truth[scored], pred[scored])
    n = int(scored.sum())
    correct = int(np.trace(confusion))
    return ClipScore(label.name, n, correct, correct / n if n else math.nan, confusion)


def _ratio(num: int, den: int) -> float:
    return num / den if den > 0 else 0.0


def _one_vs_rest(confusion: IntArray, k: int) -> dict[str, float | int]:
    tp = int(confusion[k, k])
    fp = int(confusion[:, k].sum()) - tp
    fn = int(confusion[k, :].sum()) - tp
    return {
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "support": tp + fn,
    }


def _screen_f1(confusion: IntArray) -> float:
    # Collapse to screen / not screen; with screen as the positive class this equals the
    # one-vs-rest F1 of screen, computed here on the binary matrix to say what it means.
    screen = int(Attention.SCREEN)
    is_screen = np.arange(N_STATES) == screen
    binary = np.array(
        [
            [confusion[np.ix_(t, p)].sum() for p in (is_screen, ~is_screen)]
            for t in (is_screen, ~is_screen)
        ],
        dtype=np.int64,
    )
    return float(_one_vs_rest(binary, 0)["f1"])


def summarize(clips: Sequence[ClipScore], min_support: int = MIN_SUPPORT) -> EvalReport:
    """Pools clip scores into per-state and overall scores.

    Args:
        clips: per-clip scores.
        min_support: true frames a state needs to enter macro-F1.

    Returns:
        The report; zero denominators give 0.0 precision/recall/F1, and macro-F1 is NaN when
        no state reaches `min_support`.
    """
    confusion = np.zeros((N_STATES, N_STATES), dtype=np.int64)
    for clip in clips:
        confusion += clip.confusion
    per_state = {label: _one_vs_rest(confusion, k) for k, label in enumerate(ATTENTION_LABELS)}
    macro_states = [s for s in ATTENTION_LABELS if per_state[s]["support"] >= min_support]
    f1s = [per_state[s]["f1"] for s in macro_states]
    return EvalReport(
        clips=list(clips),
        confusion=confusion,
        per_state=per_state,
        macro_f1=float(np.mean(f1s)) if f1s else math.nan,
        macro_states=macro_states,
        screen_f1=_screen_f1(confusion),
        frames=int(confusion.sum()),
        min_support=min_support,
    )


# --- output -------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _confusion_lines(confusion: IntArray) -> list[str]:
    header = "true \\ pred" + "".join(f"{s:>8}" for s in ATTENTION_LABELS)
    rows = [
        f"{s:<11}" + "".join(f"{int(n):>8}" for n in row)
        for s, row in zip(ATTENTION_LABELS, confusion, strict=True)
    ]
    return ["confusion (rows: true, columns: predicted)", header, *rows]


def _state_lines(per_state: dict[str, dict[str, float | int]]) -> list[str]:
    lines = [f"{'state':<8}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}"]
    for state, m in per_state.items():
        lines.append(
            f"{state:<8}{_fmt(m['precision']):>10}{_fmt(m['recall']):>8}"
            f"{_fmt(m['f1']):>8}{int(m['support']):>9}"
        )
    return lines


def _summary_lines(report: EvalReport) -> list[str]:
    over = ", ".join(report.macro_states) or "no state"
    return [
        f"macro-F1          {_fmt(report.macro_f1)}  (over {over}: states with >= "
        f"{report.min_support} scored frames)",
        f"screen-vs-not F1  {_fmt(report.screen_f1)}",
        f"scored frames     {report.frames}",
    ]


def _clip_lines(clips: list[ClipScore]) -> list[str]:
    width = max([4, *(len(c.name) for c in clips)])
    lines = [f"{'clip':<{width}}{'scored':>8}{'accuracy':>10}"]
    lines += [f"{c.name:<{width}}{c.scored:>8}{_fmt(c.accuracy):>10}" for c in clips]
    return lines


def format_report(report: EvalReport) -> str:
    """Renders a report as plain-text tables.

    Args:
        report: the report to render.

    Returns:
        Confusion matrix, per-state precision/recall/F1/support, macro-F1 with the states it
        averages, screen-vs-not F1, scored frames and per-clip accuracy; NaN shows as `n/a`.
    """
    blocks = [
        _confusion_lines(report.confusion),
        _state_lines(report.per_state),
        _summary_lines(report),
        _clip_lines(report.clips),
    ]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def _json_float(value: float | int) -> float | int | None:
    if isinstance(value, int):
        return value
    return float(value) if math.isfinite(value) else None


def report_to_json(report: EvalReport) -> dict[str, Any]:
    """A JSON-safe dict of a report: lists and plain numbers, NaN as None.

    Args:
        report: the report to convert.

    Returns:
        `labels`, `confusion` (rows true), `per_state`, `macro_f1`, `macro_states`,
        `min_support`, `screen_f1`, `frames` and `clips` (name, scored, correct, accuracy,
        confusion).
    """
    return {
        "labels": list(ATTENTION_LABELS),
        "confusion": report.confusion.tolist(),
        "per_state": {
            s: {k: _json_float(v) for k, v in m.items()} for s, m in report.per_state.items()
        },
        "macro_f1": _json_float(report.macro_f1),
        "macro_states": list(report.macro_states),
        "min_support": report.min_support,
        "screen_f1": _json_float(report.screen_f1),
        "frames": report.frames,
        "clips": [
            {
                "name": c.name,
                "scored": c.scored,
                "correct": c.correct,
                "accuracy": _json_float(c.accuracy),
                "confusion": c.confusion.tolist(),
            }
            for c in report.clips
        ],
    }


# --- driver -------------------------------------------------------------------------------


def _has_video(label: LabelFile) -> bool:
    if label.video.is_file():
        return True
    logger.warning("skipping clip '%s': video '%s' not found", label.name, label.video)
    return False


def labelled_clips(data_dir: str | Path, extra_dirs: Sequence[str | Path] = ()) -> list[LabelFile]:
    """The labelled clips whose video exists; the others are skipped with a warning."""
    return [label for label in load_labels(data_dir, extra_dirs) if _has_video(label)]


def run_eval(
    data_dir: str | Path,
    predict: PredictFn,
    on_clip: ClipProgressFn | None = None,
    extra_dirs: Sequence[str | Path] = (),
) -> EvalReport:
    """Predicts and scores every labelled clip whose video exists.

    Args:
        data_dir: directory holding `labels/` and the videos.
        predict: returns `(timestamp_ms (T,), predicted codes (T,))` for a clip.
        on_clip: called as `on_clip(name, i, n)` before clip `i` (0-based) of the `n` clips
            that have a video; clips without one are skipped with a warning on the
            `cuewatch` logger and not counted.
        extra_dirs: further label folders (see `load_labels`).

    Returns:
        The pooled report over the scored clips.

    Raises:
        FileNotFoundError: `data_dir/labels` (or an extra folder) is not a directory.
        ValueError: a label file is malformed or a prediction has the wrong shape or codes.
    """
    labels = labelled_clips(data_dir, extra_dirs)
    clips: list[ClipScore] = []
    for i, label in enumerate(labels):
        if on_clip is not None:
            on_clip(label.name, i, len(labels))
        timestamp_ms, predicted = predict(label)
        clips.append(score_clip(label, timestamp_ms, predicted))
    return summarize(clips)

"""Attending levels over time, and the interviewer's own earlier level to compare them with.

"Attending" is looking at the screen or taking notes (writing down what the candidate says is
attention). A frame without the face counts as not attending.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.config import PipelineConfig
from pipeline.types import Attention, AttentionSeries, BoolArray, FloatArray, IntArray


def attending(states: AttentionSeries, note_taking: BoolArray) -> FloatArray:
    """`(T,)` 1.0 where the person looks at the screen or takes notes, else 0.0."""
    att: FloatArray = ((states.attention == Attention.SCREEN) | note_taking).astype(np.float32)
    return att


def span_mean(
    timestamp_ms: IntArray, values: FloatArray, lo_ms: IntArray, hi_ms: IntArray
) -> tuple[FloatArray, IntArray]:
    """Mean of `values` over the frames with `lo_ms <= timestamp_ms < hi_ms`, per span.

    Args:
        timestamp_ms: `(T,)` sorted frame times.
        values: `(T,)` per-frame values.
        lo_ms: `(K,)` span starts.
        hi_ms: `(K,)` span ends (exclusive).

    Returns:
        `(K,)` means (NaN for spans without frames) and `(K,)` frame counts.
    """
    cum = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    a = np.searchsorted(timestamp_ms, lo_ms, side="left")
    b = np.searchsorted(timestamp_ms, hi_ms, side="left")
    count = (b - a).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, (cum[b] - cum[a]) / np.maximum(count, 1), np.nan)
    return mean.astype(np.float32), count


def earlier_level(
    timestamp_ms: IntArray,
    att: FloatArray,
    present: BoolArray,
    start_ms: IntArray,
    *,
    step_ms: int,
    config: PipelineConfig,
) -> FloatArray:
    """The attending share over the lookback span before each `start_ms`.

    Args:
        timestamp_ms: `(T,)` frame times.
        att: `(T,)` attending indicator.
        present: `(T,)` face present.
        start_ms: `(K,)` moments to look back from.
        step_ms: ordinary frame step, to turn frame counts into time.
        config: gives `engagement_lookback_ms` and `engagement_reference_min_ms`.

    Returns:
        `(K,)` levels, NaN where less face than `engagement_reference_min_ms` was seen before.
    """
    lo = start_ms - config.engagement_lookback_ms
    level, _ = span_mean(timestamp_ms, att, lo, start_ms)
    seen, count = span_mean(timestamp_ms, present.astype(np.float32), lo, start_ms)
    enough = np.nan_to_num(seen) * count * step_ms >= config.engagement_reference_min_ms
    return np.where(enough, level, np.nan).astype(np.float32)


@dataclass(frozen=True)
class Levels:
    """Per-frame attending levels, all `(T,)`.

    Attributes:
        current: attending share over the `engagement_current_ms` span centred on the frame
            (centred, so that a change shows where it happened rather than one span late).
        earlier: attending share over the lookback before that span (NaN: no reference).
        judgeable: the span had enough face to judge.
    """

    current: FloatArray
    earlier: FloatArray
    judgeable: BoolArray


def rolling_levels(
    states: AttentionSeries, note_taking: BoolArray, step_ms: int, config: PipelineConfig
) -> Levels:
    """Attending level around every frame and this person's earlier level before it.

    Args:
        states: attention states, `(T,)`.
        note_taking: `(T,)` note-taking flag.
        step_ms: ordinary frame step.
        config: `engagement_*` spans and `min_window_coverage`.
    """
    ts = states.timestamp_ms
    present = states.attention != Attention.ABSENT
    att = attending(states, note_taking)
    lo = ts - config.engagement_current_ms // 2
    hi = lo + config.engagement_current_ms
    current, _ = span_mean(ts, att, lo, hi)
    seen, count = span_mean(ts, present.astype(np.float32), lo, hi)
    # Near the ends of the recording the span is cut short; judge the part that exists.
    inside = np.minimum(hi, ts[-1] + step_ms) - np.maximum(lo, ts[0]) if len(ts) else hi - lo
    coverage = np.nan_to_num(seen) * count * step_ms / np.maximum(inside, 1)
    earlier = earlier_level(ts, att, present, lo, step_ms=step_ms, config=config)
    return Levels(current, earlier, coverage >= config.min_window_coverage)


def drop_spans(levels: Levels, drop_share: float) -> list[tuple[int, int]]:
    """Frame spans `[start, stop)` where the level fell below the earlier level and stayed.

    The earlier level is held at its value where the fall began: a long drop would otherwise
    become its own reference and seem to end while the behaviour goes on.

    Args:
        levels: per-frame levels.
        drop_share: how far below the earlier level counts as a fall.
    """
    known = levels.judgeable & ~np.isnan(levels.earlier)
    starts = np.flatnonzero(known & (levels.current < levels.earlier - drop_share))
    spans: list[tuple[int, int]] = []
    for s in starts:
        if spans and s < spans[-1][1]:
            continue
        held = levels.judgeable[s:] & (levels.current[s:] < levels.earlier[s] - drop_share)
        spans.append((int(s), int(s + (len(held) if held.all() else np.argmin(held)))))
    return spans

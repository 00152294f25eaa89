"""Aggregation stage: per-frame states become note-taking, windows, events, summary, advice.

The pieces live in `episodes`, `levels`, `windows`, `events`, `summary` and `advice`; this
module composes them and gives `analyze` one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.attention.runs import frame_end_ms, frame_step_ms
from pipeline.config import PipelineConfig
from pipeline.types import (
    ATTENTION_LABELS,
    AttentionSeries,
    BoolArray,
    FloatArray,
    IntArray,
    Signals,
)
from pipeline.verdict.advice import advise
from pipeline.verdict.episodes import note_taking
from pipeline.verdict.events import (
    Event,
    drop_events,
    eye_contact_events,
    note_taking_events,
    state_events,
)
from pipeline.verdict.levels import attending, rolling_levels
from pipeline.verdict.summary import summarise
from pipeline.verdict.windows import running_scores
from pipeline.verdict.windows import windows as build_windows


@dataclass(frozen=True)
class Aggregate:
    """Everything the aggregation stage derives for one participant.

    Attributes:
        note_taking: `(T,)` per analysed frame.
        windows: JSON-ready windows (see `pipeline.verdict.windows.windows`).
        events: JSON-ready events with ids, sorted by start.
        summary: JSON-ready summary.
        advice: JSON-ready advice items in time order.
    """

    note_taking: BoolArray
    windows: list[dict[str, Any]]
    events: list[dict[str, Any]]
    summary: dict[str, Any]
    advice: list[dict[str, Any]]


def _check(signals: Signals, states: AttentionSeries) -> None:
    if len(signals) != len(states):
        raise ValueError(f"signals has {len(signals)} frames, states has {len(states)}")
    ts = states.timestamp_ms
    if not np.array_equal(signals.timestamp_ms, ts):
        i = int(np.flatnonzero(signals.timestamp_ms != ts)[0])
        raise ValueError(
            f"signals and states differ at frame {i}: {signals.timestamp_ms[i]} ms vs {ts[i]} ms"
        )
    if len(states) > 1 and np.any(np.diff(ts) <= 0):
        i = int(np.flatnonzero(np.diff(ts) <= 0)[0])
        raise ValueError(
            f"timestamp_ms must be strictly increasing: {ts[i]} then {ts[i + 1]} at frame {i + 1}"
        )


def with_ids(found: list[Event]) -> list[Event]:
    """Sorts events by start, then end, then type, and numbers them `ev-001`, ..."""
    ordered = sorted(found, key=lambda e: (e["start_ms"], e["end_ms"], e["type"]))
    return [{"id": f"ev-{i:03d}", **e} for i, e in enumerate(ordered, start=1)]


def covered_duration_ms(timestamp_ms: IntArray, duration_ms: int) -> int:
    """The media duration, stretched to include every analysed frame (a WebM may say 0)."""
    last = int(timestamp_ms[-1]) + 1 if len(timestamp_ms) else 0
    return max(int(duration_ms), last)


def find_events(
    signals: Signals,
    states: AttentionSeries,
    notes: BoolArray,
    episodes: list[Any],
    config: PipelineConfig,
) -> list[Event]:
    """Every event type for one participant, with ids, sorted by start.

    Args:
        signals: per-frame measurements (face confidence).
        states: attention states, `(T,)`.
        notes: `(T,)` note-taking flag.
        episodes: note-taking episodes.
        config: event thresholds.
    """
    if len(states) == 0:
        return []
    ts = states.timestamp_ms
    end_ms = frame_end_ms(ts, config.fps)
    step = frame_step_ms(ts, config.fps)
    conf = signals.confidence
    levels = rolling_levels(states, notes, step, config)
    found = (
        state_events(states, end_ms, conf, config)
        + eye_contact_events(states, notes, end_ms, conf, config)
        + note_taking_events(episodes, config)
        + drop_events(levels, attending(states, notes), ts, end_ms, config)
    )
    return with_ids(found)


def aggregate(
    signals: Signals, states: AttentionSeries, config: PipelineConfig, duration_ms: int
) -> Aggregate:
    """Derives note-taking, windows, events, summary and advice for one participant.

    Args:
        signals: per-frame measurements, `(T,)` each.
        states: attention states of the same frames.
        config: the thresholds (aggregation section of `PipelineConfig`).
        duration_ms: media duration; windows tile `[0, max(duration_ms, last frame + 1))`.

    Returns:
        The `Aggregate`; every list and dict in it is JSON-ready.

    Raises:
        ValueError: signals and states do not describe the same, increasing frames.
    """
    _check(signals, states)
    duration = covered_duration_ms(states.timestamp_ms, duration_ms)
    if len(states):
        notes, episodes = note_taking(signals, states, config)
    else:
        notes, episodes = np.zeros(0, dtype=bool), []
    step = frame_step_ms(states.timestamp_ms, config.fps)
    wins = build_windows(states, notes, duration, step, config)
    events = find_events(signals, states, notes, episodes, config)
    summary = summarise(wins, states, notes, duration, config)
    advice = advise(events, wins, duration, config)
    return Aggregate(notes, wins, events, summary, advice)


def timeline(states: AttentionSeries, notes: BoolArray) -> dict[str, list[Any]]:
    """The per-frame `timeline` of result.json that the report draws.

    Args:
        states: attention states, `(T,)`.
        notes: `(T,)` note-taking flag.
    """
    return {
        "timestamp_ms": [int(t) for t in states.timestamp_ms],
        "attention": [ATTENTION_LABELS[int(c)] for c in states.attention],
        "note_taking": [int(n) for n in notes],
    }


def window_scores_at(windows: list[dict[str, Any]], timestamp_ms: IntArray) -> FloatArray:
    """Each frame's window score, NaN where the window abstained (for the annotated video).

    Args:
        windows: from `Aggregate.windows`, tiling the recording.
        timestamp_ms: `(T,)` frame times.
    """
    starts = np.array([w["start_ms"] for w in windows], dtype=np.int64)
    scores = np.array(
        [np.nan if w["disengagement_score"] is None else w["disengagement_score"] for w in windows],
        dtype=np.float32,
    )
    if not len(starts):
        return np.full(len(timestamp_ms), np.nan, dtype=np.float32)
    index = np.clip(np.searchsorted(starts, timestamp_ms, side="right") - 1, 0, len(starts) - 1)
    return scores[index]


def frame_scores(states: AttentionSeries, notes: BoolArray, config: PipelineConfig) -> FloatArray:
    """The running score at every frame: the score of the trailing `window_ms`.

    Args:
        states: attention states, `(T,)`.
        notes: `(T,)` note-taking flag (`Aggregate.note_taking`).
        config: as for `aggregate`.

    Returns:
        `(T,)` scores 0-100, NaN where the trailing span has too little face to judge.
    """
    step = frame_step_ms(states.timestamp_ms, config.fps)
    return running_scores(states, notes, step, config)

"""Temporal rules on state sequences: bridging dropouts, blinks, minimum dwell times."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pipeline.config import PipelineConfig
from pipeline.types import Attention

States = npt.NDArray[np.int8]
Times = npt.NDArray[np.int64]


def runs(states: States) -> list[tuple[int, int]]:
    """Half-open index ranges `[start, stop)` of equal consecutive states."""
    if states.size == 0:
        return []
    edges = np.flatnonzero(np.diff(states)) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [states.size]])
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def run_duration_ms(timestamp_ms: Times, start: int, stop: int) -> int:
    """How long a run holds: until the next run starts (or one frame step past the end)."""
    if stop < timestamp_ms.size:
        return int(timestamp_ms[stop] - timestamp_ms[start])
    step = int(np.median(np.diff(timestamp_ms))) if timestamp_ms.size > 1 else 0
    return int(timestamp_ms[stop - 1] - timestamp_ms[start]) + step


def _replace_short(
    timestamp_ms: Times, states: States, which: set[int], max_ms: int, *, keep_edges: bool
) -> States:
    """Replaces runs of the given states shorter than max_ms by the state before them."""
    out = states.copy()
    for start, stop in runs(states):
        code = int(states[start])
        if code not in which or run_duration_ms(timestamp_ms, start, stop) >= max_ms:
            continue
        if start > 0:
            out[start:stop] = out[start - 1]
        elif stop < states.size and not keep_edges:
            out[start:stop] = states[stop]
    return out


def bridge_absent(timestamp_ms: Times, states: States, max_ms: int) -> States:
    """Fills short face dropouts between two seen frames with the state before them."""
    out = states.copy()
    for start, stop in runs(states):
        inside = start > 0 and stop < states.size
        short = run_duration_ms(timestamp_ms, start, stop) <= max_ms
        if inside and short and states[start] == Attention.ABSENT:
            out[start:stop] = out[start - 1]
    return out


def apply_dwell(timestamp_ms: Times, states: States, config: PipelineConfig) -> States:
    """Applies the temporal rules, in order: dropouts, blinks, minimum dwell.

    Args:
        timestamp_ms: `(T,)` frame times.
        states: `(T,)` raw `Attention` codes.
        config: `absent_bridge_ms`, `blink_max_ms`, `min_dwell_ms`.

    Returns:
        `(T,)` smoothed codes.
    """
    out = bridge_absent(timestamp_ms, states, config.absent_bridge_ms)
    out = _replace_short(
        timestamp_ms, out, {int(Attention.CLOSED)}, config.blink_max_ms, keep_edges=False
    )
    looks = {int(a) for a in (Attention.SCREEN, Attention.DOWN, Attention.AWAY)}
    return _replace_short(timestamp_ms, out, looks, config.min_dwell_ms, keep_edges=False)

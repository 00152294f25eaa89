"""Frame timing and runs of frames: the shared vocabulary of the aggregation modules.

A frame stands for the time from its timestamp to the next frame's (the last one, and any frame
before a decoding gap, for one ordinary frame step), so that durations add up over runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.types import BoolArray, IntArray


@dataclass(frozen=True)
class Run:
    """A maximal stretch of frames, as indices and as time.

    Attributes:
        start: index of the first frame.
        stop: one past the index of the last frame.
        start_ms: timestamp of the first frame.
        end_ms: end of the last frame (the next frame's timestamp).
    """

    start: int
    stop: int
    start_ms: int
    end_ms: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def frame_step_ms(timestamp_ms: IntArray, fps: float) -> int:
    """The ordinary time between analysed frames.

    Args:
        timestamp_ms: `(T,)` frame times.
        fps: the configured analysis rate, used when there are too few frames to measure.
    """
    if timestamp_ms.shape[0] < 2:
        return max(1, round(1000 / fps))
    return max(1, int(np.median(np.diff(timestamp_ms))))


def frame_end_ms(timestamp_ms: IntArray, fps: float) -> IntArray:
    """When each frame stops standing for the recording: the next timestamp, capped.

    A gap longer than two frame steps (a decoding hole) is not credited to the frame before it.

    Args:
        timestamp_ms: `(T,)` frame times.
        fps: the configured analysis rate.

    Returns:
        `(T,)` end times in ms.
    """
    step = frame_step_ms(timestamp_ms, fps)
    nxt = np.append(timestamp_ms[1:], timestamp_ms[-1:] + step)
    return np.minimum(nxt, timestamp_ms + 2 * step).astype(np.int64)


def runs(mask: BoolArray, timestamp_ms: IntArray, end_ms: IntArray) -> list[Run]:
    """Maximal runs of True frames.

    Args:
        mask: `(T,)` which frames belong.
        timestamp_ms: `(T,)` frame times.
        end_ms: `(T,)` frame end times (`frame_end_ms`).
    """
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [
        Run(int(a), int(b), int(timestamp_ms[a]), int(end_ms[b - 1]))
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]


def merge_runs(parts: list[Run], max_gap_ms: int) -> list[Run]:
    """Joins runs separated by less than `max_gap_ms`."""
    merged: list[Run] = []
    for run in parts:
        if merged and run.start_ms - merged[-1].end_ms < max_gap_ms:
            last = merged.pop()
            merged.append(Run(last.start, run.stop, last.start_ms, run.end_ms))
        else:
            merged.append(run)
    return merged


def span_ms(mask: BoolArray, timestamp_ms: IntArray, end_ms: IntArray) -> int:
    """Total time covered by the True frames."""
    return int((end_ms - timestamp_ms)[mask].sum())


def clock(ms: int) -> str:
    """`m:ss` (or `h:mm:ss`) for a media time, as people read a video player."""
    total = max(0, int(ms)) // 1000
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def seconds(ms: int) -> str:
    """A duration in plain words: `4.2 s`, `45 s`, `3 min 10 s`."""
    if ms < 10_000:
        return f"{ms / 1000:.1f} s"
    if ms < 120_000:
        return f"{round(ms / 1000)} s"
    minutes, secs = divmod(round(ms / 1000), 60)
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"

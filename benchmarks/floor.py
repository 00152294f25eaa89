"""The decode floor: what any analysis of the file must at least spend decoding it.

H.264 frames depend on each other, so every frame is decoded even when one in six is
analysed. Two floors are measured: decoding alone, and decoding plus the RGB conversion of
the frames sampled at the analysis rate (what the pipeline cannot avoid either).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
import av.video

# FFmpeg's `skip_frame` values that make sense here: nothing skipped, or unreferenced frames.
SkipFrame = Literal["DEFAULT", "NONREF"]


@dataclass(frozen=True)
class Timing:
    """Wall and CPU (all threads of this process) seconds of one pass over a file."""

    wall_s: float
    cpu_s: float
    frames: int
    converted: int = 0


def _frames(
    path: Path, skip_frame: SkipFrame | None, threads: int | None
) -> Iterator[av.VideoFrame]:
    """Every video frame; the sound, if any, is decoded along (a plain decode of the file
    decodes both), its frames not yielded."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if threads is not None:
            stream.codec_context.thread_count = threads
        if skip_frame is not None:
            stream.codec_context.skip_frame = skip_frame
        sound = list(container.streams.audio[:1])
        for frame in container.decode(stream, *sound):
            if isinstance(frame, av.VideoFrame):
                yield frame


def decode_only(
    path: Path, *, skip_frame: SkipFrame | None = None, threads: int | None = None
) -> Timing:
    """Decodes every frame (FFmpeg frame + slice threads), converting nothing.

    Args:
        path: the recording.
        skip_frame: FFmpeg's `skip_frame` (`NONREF` drops frames nothing refers to).
        threads: decoder threads (None: FFmpeg's automatic choice, one per core).
    """
    wall, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in _frames(path, skip_frame, threads))
    return Timing(time.perf_counter() - wall, time.process_time() - cpu, count)


def decode_sampled_rgb(path: Path, fps: float, *, skip_frame: SkipFrame | None = None) -> Timing:
    """Decodes every frame and converts to RGB24 arrays the first frame at or after each
    `k / fps` s instant, the sampling rule of `pipeline.media.decode`."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = converted = 0
    origin_s: float | None = None
    next_s = 0.0
    for frame in _frames(path, skip_frame, None):
        count += 1
        origin_s = frame.time if origin_s is None else origin_s
        t_s = (frame.time or 0.0) - (origin_s or 0.0)
        if t_s + 1e-6 >= next_s:
            frame.to_ndarray(format="rgb24")
            converted += 1
            next_s = (int(t_s * fps + 1e-6) + 1) / fps
    return Timing(time.perf_counter() - wall, time.process_time() - cpu, count, converted)

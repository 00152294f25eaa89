"""Presentation time of decoded frames: ms from the first frame, sampling by time, and
telling a recording that ends early from one that is complete."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.video

# Rate for streams that carry neither timestamps nor a rate; FFmpeg assumes the same for raw
# H.264/HEVC elementary streams.
_FALLBACK_FPS = 25
# A stream that ends this much before the end its header declares has lost data. Less is
# container rounding or a last frame whose duration the container does not record.
_TRUNCATION_SLACK_MS = 1000


class Clock:
    """Presentation times in ms from the first frame, counted from the frame index for
    streams without timestamps (raw H.264)."""

    def __init__(self, stream: av.video.stream.VideoStream) -> None:
        self.period_ms = Fraction(1000) / Fraction(stream.average_rate or _FALLBACK_FPS)
        self.origin_pts: int | None = None
        self.frames = 0
        self.last_ms = 0
        self.end_ms = Fraction(0)
        self.last_corrupt = False

    def tick(self, frame: av.VideoFrame) -> int:
        if self.frames == 0:
            self.origin_pts = frame.pts
        timestamp_ms = self._time_ms(frame)
        self.frames += 1
        self.last_ms = timestamp_ms
        self.end_ms = timestamp_ms + self._duration_ms(frame)
        self.last_corrupt = frame.is_corrupt
        return timestamp_ms

    def _time_ms(self, frame: av.VideoFrame) -> int:
        if frame.pts is None or self.origin_pts is None or frame.time_base is None:
            return round(self.frames * self.period_ms)
        return round((frame.pts - self.origin_pts) * frame.time_base * 1000)

    def _duration_ms(self, frame: av.VideoFrame) -> Fraction:
        if frame.duration and frame.time_base is not None:
            return frame.duration * frame.time_base * 1000
        return self.period_ms


class Sampler:
    """Picks the first frame at or after each instant `k * 1000 / fps` ms (all if no fps)."""

    def __init__(self, fps: float | None) -> None:
        self._period_ms = Fraction(1000) / Fraction(fps) if fps and fps > 0 else Fraction(0)
        self._next_ms = Fraction(0)
        self._last_ms = -1

    def take(self, timestamp_ms: int) -> bool:
        # A timestamp that goes backwards (a broken stream) would unsort every later stage.
        if timestamp_ms < self._next_ms or timestamp_ms <= self._last_ms:
            return False
        self._last_ms = timestamp_ms
        if self._period_ms:
            # After a gap longer than a period the instants it spans are covered by this frame.
            self._next_ms = (timestamp_ms // self._period_ms + 1) * self._period_ms
        return True


def declared_end_ms(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, clock: Clock
) -> Fraction | None:
    """Where the header says the video ends, in ms from the first frame; None if unsaid."""
    time_base = stream.time_base
    if clock.origin_pts is None or time_base is None:
        return None
    origin_ms = clock.origin_pts * time_base * 1000
    if stream.duration:
        return (stream.duration + (stream.start_time or 0)) * time_base * 1000 - origin_ms
    # The container's duration spans all streams; it speaks for the video only when alone.
    if container.duration and len(container.streams) == 1:
        return Fraction(container.duration + (container.start_time or 0), 1000) - origin_ms
    return None


def check_complete(path: Path, clock: Clock, declared_end_ms: Fraction | None) -> str | None:
    # A cut file often decodes without an error: its last frame is flagged corrupt (raw
    # streams) or the frames run out before the end the header declares (mp4 with the index
    # in front, asf).
    short = declared_end_ms is not None and clock.end_ms < declared_end_ms - _TRUNCATION_SLACK_MS
    return cut_short(path, clock) if short or clock.last_corrupt else None


def cut_short(path: Path, clock: Clock) -> str:
    return stopped_at(path, clock.last_ms, clock.frames)


def stopped_at(path: Path, last_ms: int, frames: int) -> str:
    return (
        f"'{path.name}' is truncated or corrupt: decoding stopped at "
        f"{last_ms / 1000:.1f} s (frame {frames})"
    )

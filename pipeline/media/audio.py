"""Decodes a recording's audio track into 16 kHz mono float samples, in chunks.

Beside the video decoder, the only other module that touches PyAV. The track is read packet
by packet and resampled as it goes, so memory stays a few chunks for a call of any length
(a 2-hour call is 460 MB of samples; the caller sees at most one chunk at a time). A missing
track, a silent one or one that ends before the video are normal recordings; a stream that
fails part-way is reported through `on_warning` and ends the samples there, never the
analysis.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import av.audio
import av.container
import av.error
import numpy as np

from pipeline.types import FloatArray

WarnFn = Callable[[str], None]

SAMPLE_RATE_HZ = 16_000
# Samples handed over at a time: 10 s at 16 kHz (640 KB) keeps memory flat while the
# per-chunk overhead stays negligible.
CHUNK_SAMPLES = 10 * SAMPLE_RATE_HZ


@dataclass(frozen=True)
class AudioChunk:
    """A stretch of the track, contiguous with the chunk before it.

    Attributes:
        start_ms: time of the first sample, in ms from the first video frame (negative when
            the sound starts before the picture).
        samples: `(N,)` float32 mono samples in [-1, 1] at `SAMPLE_RATE_HZ`.
    """

    start_ms: float
    samples: FloatArray


def has_audio(path: str | Path) -> bool:
    """Whether the recording has an audio stream beside a video stream (False also when it
    cannot be opened: a file the pictures cannot come from is not listened to either)."""
    try:
        with av.open(str(path), mode="r") as container:
            return bool(container.streams.audio) and bool(container.streams.video)
    except (av.error.FFmpegError, OSError):
        return False


def iter_audio(
    path: str | Path,
    *,
    chunk_samples: int = CHUNK_SAMPLES,
    on_warning: WarnFn | None = None,
    rate_hz: int = SAMPLE_RATE_HZ,
) -> Iterator[AudioChunk]:
    """The recording's first audio track as mono chunks of `chunk_samples` (the last one
    shorter); nothing at all when there is no audio stream.

    Args:
        path: the recording (already known to hold a decodable video).
        chunk_samples: samples per chunk, at least 1.
        rate_hz: the samples' rate: the voice activity model's 16 kHz unless a benchmark
            compares another.
        on_warning: receives a one-line warning when the audio cannot be opened or stops
            decoding part-way (the samples decoded so far are kept); defaults to the
            `cuewatch` logger.

    Raises:
        ValueError: `chunk_samples` is below 1.
    """
    if chunk_samples < 1:
        raise ValueError(f"chunk_samples must be at least 1, got {chunk_samples}")
    warn = on_warning or logging.getLogger("cuewatch").warning
    return _chunks(Path(path), chunk_samples, warn, rate_hz)


def _chunks(path: Path, size: int, warn: WarnFn, rate_hz: int) -> Iterator[AudioChunk]:
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError) as exc:
        warn(f"audio of '{path.name}' ignored: {_reason(exc)}")
        return
    with container:
        if not container.streams.audio:
            return
        pieces = _samples(container, path, warn, rate_hz)
        yield from _Rechunker(size, _offset_ms(container), rate_hz).feed_all(pieces)


def _offset_ms(container: av.container.InputContainer) -> float:
    """Audio start relative to the video's: both streams' declared start times."""
    audio = container.streams.audio[0]
    a = _start_s(audio)
    v = _start_s(container.streams.video[0]) if container.streams.video else a
    return (a - v) * 1000.0


def _start_s(stream: av.stream.Stream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _samples(
    container: av.container.InputContainer, path: Path, warn: WarnFn, rate_hz: int
) -> Iterator[FloatArray]:
    stream = container.streams.audio[0]
    # Whole seconds out of the resampler (`frame_size`): the same samples as frame by frame
    # (a 1024-sample AAC frame each), in a fiftieth of the Python calls, at half the cost.
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate_hz, frame_size=rate_hz)
    decoded_s = 0.0
    try:
        for packet in container.demux(stream):
            for frame in packet.decode():
                decoded_s += frame.samples / frame.sample_rate
                for out in resampler.resample(frame):
                    yield _mono(out)
    except av.error.FFmpegError as exc:
        warn(
            f"audio of '{path.name}' stopped decoding at {decoded_s:.1f} s "
            f"({_reason(exc)}); speech after that is not analysed"
        )
    # What the resampler still holds (under a second) was decoded: it is kept either way.
    with contextlib.suppress(av.error.FFmpegError):
        for out in resampler.resample(None):
            yield _mono(out)


def _mono(frame: av.AudioFrame) -> FloatArray:
    return np.asarray(frame.to_ndarray(), dtype=np.float32).reshape(-1)


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split()).lower()


class _Rechunker:
    """Regroups the resampler's variable-length outputs into fixed-size chunks."""

    def __init__(self, size: int, start_ms: float, rate_hz: int) -> None:
        self.size = size
        self.start_ms = start_ms
        self.rate_hz = rate_hz
        self.parts: list[FloatArray] = []
        self.held = 0

    def feed_all(self, pieces: Iterator[FloatArray]) -> Iterator[AudioChunk]:
        for piece in pieces:
            self.parts.append(np.asarray(piece, dtype=np.float32))
            self.held += piece.shape[0]
            while self.held >= self.size:
                yield self._take(self.size)
        if self.held:
            yield self._take(self.held)

    def _take(self, n: int) -> AudioChunk:
        joined = np.concatenate(self.parts)
        chunk = AudioChunk(self.start_ms, np.ascontiguousarray(joined[:n]))
        rest = joined[n:]
        self.parts = [rest] if rest.shape[0] else []
        self.held = rest.shape[0]
        self.start_ms += n * 1000.0 / self.rate_hz
        return chunk

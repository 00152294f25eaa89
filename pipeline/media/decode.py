"""Decodes a recording into upright RGB frames with exact presentation timestamps.

Opening and probing are in `probe`, times and sampling in `clock`. Decoding runs in a
background thread (with FFmpeg's own threads inside) and hands frames over through a
bounded queue, so memory stays a few frames for a recording of any length. Times are integer
milliseconds from the first decoded frame, taken from each frame's own timestamp: browser
WebM has a variable frame rate and no duration header, so nothing here assumes a constant
rate.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import av.codec.context
import av.container
import av.error
import av.video
import cv2
import numpy as np
import numpy.typing as npt

from pipeline.media.clock import (
    Clock,
    Sampler,
    check_complete,
    cut_short,
    declared_end_ms,
    stopped_at,
)
from pipeline.media.cpus import pin_current_thread
from pipeline.media.probe import media_error, open_media, probe, quarter_turns, reason, video_stream
from pipeline.types import Frame, VideoInfo

WarnFn = Callable[[str], None]
RgbImage = npt.NDArray[np.uint8]

# Decoded frames waiting for the consumer: enough to ride out the decoder's bursts (a key
# frame costs several others) and the models' (a survey), few enough that memory stays
# constant: this many bytes of RGB (24 frames at 720p, 10 at 1080p), and 4 to 32 frames.
_QUEUE_BYTES = 64 * 2**20
_QUEUE_FRAMES = (4, 32)
# How often a decode thread blocked on a full queue looks whether the consumer has gone:
# the longest an early `break` waits for the thread to finish.
_PUT_POLL_S = 0.1


def iter_frames(
    path: str | Path,
    fps: float | None = 5.0,
    *,
    on_warning: WarnFn | None = None,
    max_side: int | None = None,
    cpus: frozenset[int] | None = None,
    probed: VideoInfo | None = None,
) -> Generator[Frame, None, None]:
    """Decodes a recording into upright RGB frames sampled by presentation time.

    The file is checked when this is called, so a bad input raises here, before any frame.
    Frames are decoded in a background thread that stops, and closes the file, when the
    iterator is exhausted, closed or garbage-collected (for example after a `break`).

    Args:
        path: the recording.
        fps: sampling rate in frames per second: the first decoded frame at or after each
            instant `k * 1000 / fps` ms is yielded. None or <= 0 yields every frame.
        on_warning: receives a one-line warning when decoding stops early (a truncated or
            corrupt file); defaults to the `cuewatch` logger.
        max_side: if given, images are shrunk (never enlarged) so that their longer side
            is at most this many pixels.
        cpus: if given, the decoding thread and FFmpeg's threads run on these CPUs only.
        probed: what `probe` said of this file, if the caller has just asked (the file is
            then not probed again).

    Returns:
        Frames with `timestamp_ms` from the first decoded frame, strictly increasing, and
        `image` `(H, W, 3)` uint8 RGB, C-contiguous, in displayed orientation.

    Raises:
        DecodeError: the file cannot be decoded at all (see `probe`); raised by this call.
        ValueError: `fps` is not finite or `max_side` is below 1.
    """
    _check_options(fps, max_side)
    info = probed or probe(path)
    options = _Options(Path(path), fps, max_side, cpus)
    frames = _queue_frames(info.width, info.height, max_side)
    return _receive(options, frames, on_warning or logging.getLogger("cuewatch").warning)


# --- the consumer side ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    path: Path
    fps: float | None
    max_side: int | None
    cpus: frozenset[int] | None = None


@dataclass(frozen=True)
class _Finished:
    warning: str | None = None


@dataclass(frozen=True)
class _Failed:
    error: Exception


@dataclass(frozen=True)
class _Unconverted:
    """A sampled frame handed over before its RGB conversion (see `_decode_stream`)."""

    index: int
    timestamp_ms: int
    frame: av.VideoFrame


_Item = Frame | _Unconverted | _Finished | _Failed


def _check_options(fps: float | None, max_side: int | None) -> None:
    if fps is not None and not math.isfinite(fps):
        raise ValueError(f"fps must be a finite number or None, got {fps}")
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be at least 1 pixel, got {max_side}")


def _queue_frames(width: int, height: int, max_side: int | None) -> int:
    scale = min(1.0, max_side / max(width, height, 1)) if max_side else 1.0
    frame_bytes = max(1, round(width * scale) * round(height * scale) * 3)
    least, most = _QUEUE_FRAMES
    return min(max(_QUEUE_BYTES // frame_bytes, least), most)


def _receive(options: _Options, frames: int, warn: WarnFn) -> Generator[Frame, None, None]:
    # A generator, so the thread starts with the first `next` and its `finally` runs on
    # exhaustion, `close()` and garbage collection alike.
    out: queue.Queue[_Item] = queue.Queue(maxsize=frames)
    stop = threading.Event()
    worker = threading.Thread(
        target=_decode_worker, args=(options, out, stop), name="cuewatch-decode", daemon=True
    )
    worker.start()
    try:
        while isinstance(item := out.get(), Frame | _Unconverted):
            if isinstance(item, _Unconverted):
                try:
                    image = _to_image(item.frame, options.max_side)
                except av.error.FFmpegError:  # as a conversion in the decode thread would
                    warn(stopped_at(options.path, item.timestamp_ms, item.index + 1))
                    return
                item = Frame(item.index, item.timestamp_ms, image)
            yield item
        if isinstance(item, _Failed):
            raise item.error
        if item.warning:
            warn(item.warning)
    finally:
        stop.set()
        worker.join()


# --- the decode thread --------------------------------------------------------------------


def _put(out: queue.Queue[_Item], item: _Item, stop: threading.Event) -> bool:
    # A plain blocking put would hang forever once the consumer has stopped reading.
    while not stop.is_set():
        try:
            out.put(item, timeout=_PUT_POLL_S)
        except queue.Full:
            continue
        return True
    return False


def _decode_worker(options: _Options, out: queue.Queue[_Item], stop: threading.Event) -> None:
    end: _Item
    try:
        pin_current_thread(options.cpus)  # before FFmpeg starts its threads: they inherit it
        end = _Finished(_decode_file(options, out, stop))
    except Exception as exc:  # handed over so the consumer raises it instead of waiting
        end = _Failed(exc)
    _put(out, end, stop)


def _decode_file(options: _Options, out: queue.Queue[_Item], stop: threading.Event) -> str | None:
    """Decodes into `out` until the end, an error or `stop`; returns a warning if cut short."""
    with open_media(options.path) as container:
        stream = video_stream(container, options.path)
        # Frame and slice threads: decoding is, with the landmark model, the pipeline's cost.
        stream.thread_type = "AUTO"
        if _may_skip_nonref(container, stream, options.fps):
            stream.codec_context.skip_frame = "NONREF"
        if stream.codec_context.name == "h264":
            # FFmpeg's "fast" H.264: NAL units split without copying them into padded
            # buffers (and, only with several slice threads, no deblocking across slice
            # edges). Sampled frames came out bit-identical on three shared clips, the
            # decoding 5% cheaper on the bench file (one decoder thread).
            stream.codec_context.flags2 |= av.codec.context.Flags2.fast
        clock = Clock(stream)
        try:
            _decode_stream(container.decode(stream), clock, options, out, stop)
        except av.error.FFmpegError as exc:
            if clock.frames == 0:
                raise media_error(
                    options.path, f"no decodable video frame ({reason(exc)})"
                ) from exc
            return cut_short(options.path, clock)
        if stop.is_set():
            return None
        return check_complete(options.path, clock, declared_end_ms(container, stream, clock))


# Containers whose frames carry no timestamps: skipping frames would break the frame count
# their times are derived from.
_RAW_FORMATS = {"h264", "hevc", "mjpeg", "mpeg4video", "m4v", "rawvideo"}


def _may_skip_nonref(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, fps: float | None
) -> bool:
    """Whether to skip frames no other frame refers to (B-frames): safe when sampling well
    below the source rate, since the sampler only takes the first frame after each instant
    and a skipped one is at most a frame or two from the next decoded one; it spares about
    half the decoding of a typical H.264 recording."""
    rate = float(stream.average_rate or 0)
    sampling = fps is not None and fps > 0 and rate >= 2.5 * fps
    return sampling and not set(container.format.name.split(",")) & _RAW_FORMATS


def _decode_stream(
    frames: Iterator[av.VideoFrame],
    clock: Clock,
    options: _Options,
    out: queue.Queue[_Item],
    stop: threading.Event,
) -> None:
    sampler = Sampler(options.fps)
    for frame in frames:
        if stop.is_set():
            return
        timestamp_ms = clock.tick(frame)
        if not sampler.take(timestamp_ms):
            continue
        # The RGB conversion is done by whichever side has time for it: here while the
        # consumer has frames in hand, by the consumer when it is waiting for them.
        item: _Item
        if out.qsize() * 2 >= out.maxsize:
            item = Frame(clock.frames - 1, timestamp_ms, _to_image(frame, options.max_side))
        else:
            item = _Unconverted(clock.frames - 1, timestamp_ms, frame)
        if not _put(out, item, stop):
            return


def _to_image(frame: av.VideoFrame, max_side: int | None) -> RgbImage:
    image = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
    if max_side is not None:
        image = shrink(image, max_side)
    # PyAV may hand out rows with padding, and rot90 returns a strided view.
    return np.ascontiguousarray(np.rot90(image, quarter_turns(frame.rotation)))


def shrink(image: RgbImage, max_side: int) -> RgbImage:
    """The image reduced so that its longer side is at most `max_side` (never enlarged)."""
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # INTER_AREA averages source pixels: no aliasing on faces shrunk several times.
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)

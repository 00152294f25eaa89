"""Decodes a recording into upright RGB frames with exact presentation timestamps.

The only module that imports PyAV. Decoding runs in a background thread (with FFmpeg's own
threads inside) and hands frames over through a bounded queue, so memory stays a few frames
for a recording of any length. Times are integer milliseconds from the first decoded frame,
taken from each frame's own timestamp: browser WebM has a variable frame rate and no
duration header, so nothing here assumes a constant rate.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.error
import av.video
import cv2
import numpy as np
import numpy.typing as npt

from pipeline.cpus import pin_current_thread
from pipeline.types import DecodeError, Frame, VideoInfo

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
# Rate for streams that carry neither timestamps nor a rate; FFmpeg assumes the same for raw
# H.264/HEVC elementary streams.
_FALLBACK_FPS = 25
# A stream that ends this much before the end its header declares has lost data. Less is
# container rounding or a last frame whose duration the container does not record.
_TRUNCATION_SLACK_MS = 1000


def probe(path: str | Path) -> VideoInfo:
    """Reads what the container says about its video stream and decodes its first frame.

    Args:
        path: the recording.

    Returns:
        The stream's codec, displayed size (rotation applied), average rate (0.0 if
        unknown), container duration in ms (0 if unknown), clockwise display rotation in
        degrees (0, 90, 180 or 270) and frame count (0 if unknown).

    Raises:
        DecodeError: the file is missing, empty, not a media file, has no video stream or
            no decodable video frame.
    """
    path = Path(path)
    with _open(path) as container:
        stream = _video_stream(container, path)
        first = _first_frame(container, stream, path)
        return _video_info(path, container, stream, first)


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


# --- opening ------------------------------------------------------------------------------


def _error(path: Path, reason: str) -> DecodeError:
    return DecodeError(f"cannot decode '{path.name}': {reason}")


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split()).lower()


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise _error(path, "file not found")
    if path.is_dir():
        raise _error(path, "is a directory, not a file")
    if path.stat().st_size == 0:
        raise _error(path, "empty file")
    try:
        return av.open(str(path), mode="r")
    except av.error.InvalidDataError as exc:
        raise _error(path, "not a video file (invalid data)") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise _error(path, _reason(exc)) from exc


def _video_stream(
    container: av.container.InputContainer, path: Path
) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise _error(path, "no video stream")
    return container.streams.video[0]


def _first_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: Path
) -> av.VideoFrame:
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise _error(path, f"no decodable video frame ({_reason(exc)})") from exc
    raise _error(path, "no decodable video frame")


def _quarter_turns(rotation_deg: int) -> int:
    """Counterclockwise quarter turns (for `np.rot90`) that make a frame upright.

    PyAV's `frame.rotation` is the counterclockwise angle of the display matrix, so the phone
    clips stored 848x480 with -90 need one clockwise turn (3 counterclockwise).
    """
    return round(rotation_deg / 90) % 4


def _video_info(
    path: Path,
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    first: av.VideoFrame,
) -> VideoInfo:
    turns = _quarter_turns(first.rotation)
    width, height = (first.height, first.width) if turns % 2 else (first.width, first.height)
    duration_us = container.duration or 0
    return VideoInfo(
        path=str(path),
        codec=stream.codec_context.name,
        width=width,
        height=height,
        fps=float(stream.average_rate or 0),
        duration_ms=round(duration_us / 1000),
        rotation_deg=(-90 * turns) % 360,
        frame_count=stream.frames or 0,
    )


# --- the consumer side --------------------------------------------------------------------


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
                    warn(_stopped_at(options.path, item.timestamp_ms, item.index + 1))
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
    with _open(options.path) as container:
        stream = _video_stream(container, options.path)
        # Frame and slice threads: decoding is, with the landmark model, the pipeline's cost.
        stream.thread_type = "AUTO"
        if _may_skip_nonref(container, stream, options.fps):
            stream.codec_context.skip_frame = "NONREF"
        clock = _Clock(stream)
        try:
            _decode_stream(container.decode(stream), clock, options, out, stop)
        except av.error.FFmpegError as exc:
            if clock.frames == 0:
                raise _error(options.path, f"no decodable video frame ({_reason(exc)})") from exc
            return _cut_short(options.path, clock)
        if stop.is_set():
            return None
        return _check_complete(options.path, clock, _declared_end_ms(container, stream, clock))


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
    clock: _Clock,
    options: _Options,
    out: queue.Queue[_Item],
    stop: threading.Event,
) -> None:
    sampler = _Sampler(options.fps)
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
    return np.ascontiguousarray(np.rot90(image, _quarter_turns(frame.rotation)))


def shrink(image: RgbImage, max_side: int) -> RgbImage:
    """The image reduced so that its longer side is at most `max_side` (never enlarged)."""
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # INTER_AREA averages source pixels: no aliasing on faces shrunk several times.
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


# --- time ---------------------------------------------------------------------------------


class _Clock:
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


class _Sampler:
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


def _declared_end_ms(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, clock: _Clock
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


def _check_complete(path: Path, clock: _Clock, declared_end_ms: Fraction | None) -> str | None:
    # A cut file often decodes without an error: its last frame is flagged corrupt (raw
    # streams) or the frames run out before the end the header declares (mp4 with the index
    # in front, asf).
    short = declared_end_ms is not None and clock.end_ms < declared_end_ms - _TRUNCATION_SLACK_MS
    return _cut_short(path, clock) if short or clock.last_corrupt else None


def _cut_short(path: Path, clock: _Clock) -> str:
    return _stopped_at(path, clock.last_ms, clock.frames)


def _stopped_at(path: Path, last_ms: int, frames: int) -> str:
    return (
        f"'{path.name}' is truncated or corrupt: decoding stopped at "
        f"{last_ms / 1000:.1f} s (frame {frames})"
    )


# --- encoding ---------------------------------------------------------------------------


def encode_h264(frames: Iterator[tuple[int, RgbImage]], out_path: Path, fps: float) -> int:
    """Writes `(timestamp_ms, RGB image)` pairs as an H.264 MP4 (the annotated video).

    Args:
        frames: images of one even size, in time order.
        out_path: the .mp4 to write.
        fps: nominal rate; each frame keeps its own time.

    Returns:
        The number of frames written.
    """
    rate = Fraction(round(fps * 1000), 1000)
    written, last_pts = 0, -1
    with av.open(str(out_path), "w", format="mp4") as container:
        stream = None
        for ts_ms, image in frames:
            if stream is None:
                stream = container.add_stream("libx264", rate=rate)
                stream.height, stream.width = image.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": "23", "preset": "veryfast"}
            # Times come from the frames: variable-rate sources stay in sync.
            pts = max(last_pts + 1, round(ts_ms * rate / 1000))
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            vf.pts, last_pts = pts, pts
            container.mux(stream.encode(vf))
            written += 1
        if stream is not None:
            container.mux(stream.encode(None))
    return written

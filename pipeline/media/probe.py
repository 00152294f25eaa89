"""Opens a recording and reads what its container says about the video stream.

With `decode`, `audio` and `encode`, the only code that imports PyAV.
"""

from __future__ import annotations

from pathlib import Path

import av
import av.container
import av.error
import av.video

from pipeline.types import DecodeError, VideoInfo


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
    with open_media(path) as container:
        stream = video_stream(container, path)
        first = first_frame(container, stream, path)
        return video_info(path, container, stream, first)


def media_error(path: Path, reason: str) -> DecodeError:
    return DecodeError(f"cannot decode '{path.name}': {reason}")


def reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split()).lower()


def open_media(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise media_error(path, "file not found")
    if path.is_dir():
        raise media_error(path, "is a directory, not a file")
    if path.stat().st_size == 0:
        raise media_error(path, "empty file")
    try:
        return av.open(str(path), mode="r")
    except av.error.InvalidDataError as exc:
        raise media_error(path, "not a video file (invalid data)") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise media_error(path, reason(exc)) from exc


def video_stream(container: av.container.InputContainer, path: Path) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise media_error(path, "no video stream")
    return container.streams.video[0]


def first_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: Path
) -> av.VideoFrame:
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise media_error(path, f"no decodable video frame ({reason(exc)})") from exc
    raise media_error(path, "no decodable video frame")


def quarter_turns(rotation_deg: int) -> int:
    """Counterclockwise quarter turns (for `np.rot90`) that make a frame upright.

    PyAV's `frame.rotation` is the counterclockwise angle of the display matrix, so the phone
    clips stored 848x480 with -90 need one clockwise turn (3 counterclockwise).
    """
    return round(rotation_deg / 90) % 4


def video_info(
    path: Path,
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    first: av.VideoFrame,
) -> VideoInfo:
    turns = quarter_turns(first.rotation)
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

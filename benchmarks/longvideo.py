"""A long 720p30 H.264 recording made from a real clip, cached outside the repository.

The source clip's frames are played forward then backward (ping-pong, so no cut at the
loop point) until the requested length, and encoded as they are produced: memory holds
the source clip's frames (as YUV 4:2:0, half the size of RGB), never the output.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

Yuv = npt.NDArray[np.uint8]

SHARED_VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
# A 9.4 s 1280x720 30 fps webcam-style clip of one person facing the camera.
DEFAULT_SOURCE = SHARED_VIDEOS / "hd_s18_lens_gaze.mp4"
CACHE_DIR = Path(os.environ.get("CUEWATCH_BENCH_CACHE", "~/.cache/cuewatch-bench")).expanduser()
WIDTH, HEIGHT, FPS = 1280, 720, 30
# What a recording tool would plausibly write: x264's quick preset at its default quality.
X264_OPTIONS = {"preset": "veryfast", "crf": "23"}


def cached_path(minutes: float, source: Path = DEFAULT_SOURCE) -> Path:
    return CACHE_DIR / f"{source.stem}-pingpong-{minutes:g}min-{HEIGHT}p{FPS}.mp4"


def ensure_long_video(minutes: float, source: Path = DEFAULT_SOURCE) -> Path:
    """Returns the cached long recording, encoding it first if it is missing.

    Args:
        minutes: length of the recording.
        source: the real clip that is looped.

    Raises:
        FileNotFoundError: the source clip is missing.
    """
    path = cached_path(minutes, source)
    if path.exists():
        return path
    if not source.exists():
        raise FileNotFoundError(f"source clip '{source}' not found")
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    frames = load_frames(source)
    total = round(minutes * 60 * FPS)
    partial = path.with_suffix(".part.mp4")
    encode(pingpong(frames, total), partial)
    partial.rename(path)  # only a complete file is ever cached
    took = time.perf_counter() - started
    print(f"encoded {total} frames to {path} in {took:.0f} s", file=sys.stderr)
    return path


def load_frames(source: Path) -> list[Yuv]:
    """Every frame of the clip as a YUV 4:2:0 `(H * 3 / 2, W)` array at 1280x720."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return [
            np.asarray(f.reformat(WIDTH, HEIGHT, "yuv420p").to_ndarray(), dtype=np.uint8)
            for f in container.decode(stream)
        ]


def pingpong(frames: list[Yuv], total: int) -> Iterator[Yuv]:
    """`total` frames: 0, 1, ..., n-1, n-2, ..., 1, 0, 1, ... (no frame shown twice in a row)."""
    n = len(frames)
    period = max(1, 2 * n - 2)
    for i in range(total):
        k = i % period
        yield frames[k if k < n else period - k]


def encode(frames: Iterator[Yuv], path: Path) -> None:
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=FPS, options=X264_OPTIONS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for pts, array in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(array, format="yuv420p")
            frame.pts = pts
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


if __name__ == "__main__":
    print(ensure_long_video(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0))

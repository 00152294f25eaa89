"""Encodes the annotated video (H.264 in MP4)."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

RgbImage = npt.NDArray[np.uint8]


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

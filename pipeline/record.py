"""Recording: decode a video and run the landmark models over one participant's region.

The first half of the flow (decode -> locate -> landmarks), shared by `cuewatch record` and
the analysis; everything after it replays a `LandmarkSeries`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pipeline import decode
from pipeline.config import PipelineConfig
from pipeline.types import Frame, LandmarkSeries, VideoInfo

ProgressFn = Callable[[str, float], None]
CancelFn = Callable[[], bool]
WarnFn = Callable[[str], None]
Box = tuple[float, float, float, float]

FULL_FRAME: Box = (0.0, 0.0, 1.0, 1.0)


class Canceled(Exception):
    """The caller asked to stop (should_cancel returned True)."""


@dataclass(frozen=True)
class Hooks:
    """Callbacks of a long analysis: progress, cancellation, warnings."""

    on_progress: ProgressFn | None = None
    should_cancel: CancelFn | None = None
    on_warning: WarnFn | None = None

    def progress(self, stage: str, fraction: float) -> None:
        if self.on_progress is not None:
            self.on_progress(stage, min(max(fraction, 0.0), 1.0))

    def check(self) -> None:
        if self.should_cancel is not None and self.should_cancel():
            raise Canceled("analysis canceled")

    def warn(self, message: str) -> None:
        if self.on_warning is not None:
            self.on_warning(message)
        else:
            logging.getLogger("cuewatch").warning(message)


def parse_participant(spec: str) -> Box | int | None:
    """`auto` -> None, `INDEX` -> int, `x,y,w,h` -> normalised box.

    Raises:
        ValueError: the spec is none of these, or the box leaves the unit square.
    """
    spec = spec.strip().lower()
    if spec in ("", "auto"):
        return None
    if spec.isdigit():
        return int(spec)
    try:
        x, y, w, h = (float(v) for v in spec.split(","))
    except ValueError:
        raise ValueError(f"participant must be auto, an index or x,y,w,h; got {spec!r}") from None
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > 1.0001 or y + h > 1.0001:
        raise ValueError(f"participant box {spec!r} must lie inside [0, 1] with w, h > 0")
    return (x, y, w, h)


def crop(frames: Iterator[Frame], box: Box) -> Iterator[Frame]:
    """Crops each frame to a normalised box."""
    for f in frames:
        h, w = f.image.shape[:2]
        x0, y0 = int(box[0] * w), int(box[1] * h)
        x1, y1 = max(x0 + 2, int((box[0] + box[2]) * w)), max(y0 + 2, int((box[1] + box[3]) * h))
        yield replace(f, image=np.ascontiguousarray(f.image[y0:y1, x0:x1]))


def box_for(spec: Box | int | None) -> Box:
    if isinstance(spec, int) and spec != 0:
        raise ValueError(f"participant index {spec} out of range: 1 participant found")
    return spec if isinstance(spec, tuple) else FULL_FRAME


def record(
    video: str | Path, config: PipelineConfig, box: Box = FULL_FRAME, hooks: Hooks | None = None
) -> tuple[VideoInfo, LandmarkSeries]:
    """Decodes a recording and runs the landmark models over the participant's region.

    Raises:
        DecodeError: the file is not a decodable video.
        Canceled: the hooks asked to stop.
    """
    from pipeline import landmarks  # the only mediapipe import; kept out of module import

    hooks = hooks or Hooks()
    info = decode.probe(video)

    def on_frame(frame: Frame) -> None:
        hooks.check()
        hooks.progress("landmarks", _fraction(frame.timestamp_ms, info.duration_ms))

    decoded = decode.iter_frames(video, config.fps, on_warning=hooks.warn)
    try:
        frames: Iterator[Frame] = decoded if box == FULL_FRAME else crop(decoded, box)
        series = landmarks.extract(frames, config, on_frame=on_frame)
    finally:
        decoded.close()  # stops the decode thread at once on cancel or error
    return info, series


def _fraction(timestamp_ms: int, duration_ms: int) -> float:
    if duration_ms > 0:
        return timestamp_ms / duration_ms
    # Browser WebM does not say how long it is: approach 1 without claiming to reach it.
    return 1.0 - float(np.exp(-timestamp_ms / 600_000))

"""annotated.mp4: the recording with the face box, gaze direction, state and running score.

Frames come from `pipeline.media.decode.iter_frames`; each shows what was measured at the latest
analysed frame at or before it. Drawing is OpenCV on RGB arrays, encoding PyAV's libx264.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from pipeline.attention.runs import clock
from pipeline.media.decode import iter_frames
from pipeline.media.encode import encode_h264
from pipeline.media.probe import probe
from pipeline.people.mesh import FacePoint
from pipeline.types import (
    ATTENTION_LABELS,
    AttentionSeries,
    BoolArray,
    FloatArray,
    IntArray,
    LandmarkSeries,
    Signals,
)

Image = npt.NDArray[np.uint8]
Box = tuple[float, float, float, float]
# RGB colour per state, as in the report.
STATE_RGB = {
    "screen": (63, 155, 90),
    "down": (61, 124, 201),
    "away": (232, 145, 45),
    "closed": (142, 91, 181),
    "absent": (163, 163, 163),
}
# A review video needs to follow glances, not every frame; 15 fps halves the work on 30 fps
# sources and keeps gaze shifts visible.
MAX_FPS = 15.0
# Large enough to read faces in a gallery view, small enough to encode quickly.
MAX_SIDE_PX = 1280


@dataclass(frozen=True)
class Overlay:
    """What to draw on one frame (image pixel coordinates)."""

    face_box: tuple[int, int, int, int] | None  # x0, y0, x1, y1
    gaze_from: tuple[int, int] | None
    gaze_to: tuple[int, int] | None
    state: str
    notes: bool
    score: float
    timestamp_ms: int


def _to_image(points: FloatArray, box: Box, size: tuple[int, int]) -> FloatArray:
    """Landmarks normalised to the participant crop -> pixels of the whole image."""
    w, h = size
    x = (box[0] + points[:, 0] * box[2]) * w
    y = (box[1] + points[:, 1] * box[3]) * h
    out: FloatArray = np.stack([x, y], axis=1).astype(np.float32)
    return out


def _gaze_end(
    centre: FloatArray, yaw_deg: float, pitch_deg: float, length: float
) -> tuple[int, int]:
    # yaw > 0 looks toward image-left, pitch > 0 looks up (see Signals).
    dx = -math.sin(math.radians(yaw_deg)) * length
    dy = -math.sin(math.radians(pitch_deg)) * length
    return int(centre[0] + dx), int(centre[1] + dy)


@dataclass(frozen=True)
class OverlaySource:
    """The per-analysed-frame arrays an overlay is read from, all `(T,)` along time."""

    series: LandmarkSeries
    signals: Signals
    labels: list[str]
    notes: BoolArray
    scores: FloatArray
    box: Box

    def at(self, i: int, size: tuple[int, int]) -> Overlay:
        """The overlay of analysed frame `i` on an image of `size` (width, height)."""
        face = self.series.face[i]
        common = (
            self.labels[i],
            bool(self.notes[i]),
            float(self.scores[i]),
            int(self.series.timestamp_ms[i]),
        )
        if np.isnan(face[0, 0]):
            return Overlay(None, None, None, *common)
        pts = _to_image(face, self.box, size)
        x0, y0 = np.nanmin(pts, axis=0)
        x1, y1 = np.nanmax(pts, axis=0)
        centre = pts[[FacePoint.RIGHT_IRIS_CENTER, FacePoint.LEFT_IRIS_CENTER]].mean(axis=0)
        yaw, pitch = float(self.signals.gaze_yaw_deg[i]), float(self.signals.gaze_pitch_deg[i])
        known = not (np.isnan(yaw) or np.isnan(pitch))
        end = _gaze_end(centre, yaw, pitch, float(x1 - x0)) if known else None
        box = (int(x0), int(y0), int(x1), int(y1))
        return Overlay(box, (int(centre[0]), int(centre[1])), end, *common)


def draw(image: Image, ov: Overlay) -> Image:
    """A copy of `image` with the overlay drawn on it."""
    out = image.copy()
    colour = STATE_RGB.get(ov.state, (255, 255, 255))
    thick = max(2, out.shape[1] // 400)
    if ov.face_box is not None:
        cv2.rectangle(out, ov.face_box[:2], ov.face_box[2:], colour, thick)
    if ov.gaze_from is not None and ov.gaze_to is not None:
        cv2.arrowedLine(out, ov.gaze_from, ov.gaze_to, (255, 230, 0), thick, tipLength=0.2)
    score = "-" if np.isnan(ov.score) else f"{ov.score:.0f}"
    text = f"{clock(ov.timestamp_ms)}  {ov.state}{'  notes' if ov.notes else ''}  score {score}"
    scale = max(0.5, out.shape[1] / 1400)
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    cv2.rectangle(out, (0, 0), (tw + 16, th + 16), (0, 0, 0), -1)
    cv2.putText(out, text, (8, th + 8), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)
    return out


def _even(image: Image) -> Image:
    """libx264's yuv420p needs even sides."""
    h, w = image.shape[:2]
    return image[: h - h % 2, : w - w % 2]


def _annotated_frames(
    video: Path, timeline_ms: IntArray, source: OverlaySource, fps: float
) -> Iterator[tuple[int, Image]]:
    for frame in iter_frames(video, fps, max_side=MAX_SIDE_PX):
        i = int(np.searchsorted(timeline_ms, frame.timestamp_ms, side="right")) - 1
        size = (frame.image.shape[1], frame.image.shape[0])
        image = frame.image if i < 0 else draw(frame.image, source.at(i, size))
        yield frame.timestamp_ms, _even(image)


def write_annotated(  # noqa: PLR0917 - the positional order is the analyze contract
    video: Path,
    out_path: Path,
    timeline_ms: IntArray,
    series: LandmarkSeries,
    signals: Signals,
    states: AttentionSeries,
    scores_by_ms: FloatArray,
    *,
    note_taking: BoolArray | None = None,
    box_xywh: Box = (0.0, 0.0, 1.0, 1.0),
) -> int:
    """Writes the annotated recording (H.264 MP4), atomically.

    Args:
        video: the recording.
        out_path: where to write annotated.mp4 (a temp file beside it is renamed over it).
        timeline_ms: `(T,)` times of the analysed frames.
        series: the participant's landmarks for those frames (normalised to `box_xywh`).
        signals: their signals (gaze direction), `(T,)`.
        states: their attention states, `(T,)`.
        scores_by_ms: `(T,)` running score at each analysed frame, NaN where none
            (`pipeline.verdict.aggregate.frame_scores`).
        note_taking: `(T,)` note-taking flag, if known.
        box_xywh: the participant's region, normalised to the whole image.

    Returns:
        The number of frames written.

    Raises:
        DecodeError: the recording cannot be decoded.
    """
    notes = np.zeros(len(timeline_ms), dtype=bool) if note_taking is None else note_taking
    info = probe(video)
    fps = min(info.fps or MAX_FPS, MAX_FPS)
    labels = [ATTENTION_LABELS[int(c)] for c in states.attention]
    source = OverlaySource(series, signals, labels, notes, scores_by_ms, box_xywh)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    try:
        written = encode_h264(_annotated_frames(video, timeline_ms, source, fps), tmp, fps)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return written

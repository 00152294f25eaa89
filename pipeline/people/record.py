"""Recording: decode a video, find its participants and run the landmark models on each.

The first half of the flow (decode -> locate -> landmarks), shared by `cuewatch record` and
the analysis; everything after it replays one `LandmarkSeries` per participant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from pipeline.config import PipelineConfig
from pipeline.media import cpus, decode
from pipeline.media.probe import probe
from pipeline.people.locate import face_region
from pipeline.people.track import Slot, Tracker
from pipeline.types import (
    FACE_POINTS,
    HAND_POINTS,
    MAX_HANDS,
    Frame,
    LandmarkSeries,
    VideoInfo,
)

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


@dataclass(frozen=True)
class Tracked:
    """One participant as recorded: where they are and their landmarks.

    Attributes:
        box_xywh: normalised region of the frame that shows the person (their tile when
            they have one to themselves).
        series: landmarks in full-frame coordinates.
        prominence: mean face area (share of the frame) x coverage.
        own_tile: the person is alone in a tile of the layout.
    """

    box_xywh: Box
    series: LandmarkSeries
    prominence: float
    own_tile: bool


@dataclass(frozen=True)
class Recording:
    """Everything measured from the pixels; the rest of the pipeline replays it."""

    info: VideoInfo
    people: list[Tracked]
    tiles: list[Box] = field(default_factory=list)
    # The part of the frame the landmarks are normalised to (all of it unless a region).
    frame_box: Box = FULL_FRAME


# Frames (at the analysed rate) read before deciding the layout: borders must stay flat.
LAYOUT_FRAMES = 8
# ... reduced to this long side for the layout search.
LAYOUT_MAX_SIDE_PX = 720


def record(
    video: str | Path,
    config: PipelineConfig,
    hooks: Hooks | None = None,
    *,
    region: Box | None = None,
    hands: bool = True,
) -> Recording:
    """Decodes a recording, finds its participants and runs the landmark models on each.

    Args:
        video: path of the recording.
        config: thresholds and rates.
        hooks: progress, cancellation and warnings.
        region: analyse only this normalised box of the frame (as if it were the video).
        hands: also run the hand model.

    Returns:
        The participants, most prominent first (at least one, possibly never seen).

    Raises:
        DecodeError: the file is not a decodable video.
        Canceled: the hooks asked to stop.
    """
    hooks = hooks or Hooks()
    info = probe(video)
    placement = cpus.split() if config.split_cpus else None
    with cpus.pinned(placement.models if placement else None):
        # The models' graph threads start inside: they stay on the models' CPUs.
        decoded = decode.iter_frames(
            video,
            config.fps,
            on_warning=hooks.warn,
            cpus=placement.decode if placement else None,
            probed=info,
        )
        # Frames to come, to size the landmark arrays (a guess: rates vary, durations may be
        # unknown; the arrays grow if it falls short). The 16 spare rows cover a rounded or
        # slightly short container duration, so that a typical file never grows them.
        rate = config.fps if config.fps and config.fps > 0 else info.fps or 30.0
        expected = round(info.duration_ms * rate / 1000) + 16
        tracker = Tracker(config, hands=hands, expected_frames=expected)
        try:
            frames: Iterator[Frame] = decoded if region is None else crop(decoded, region)
            _run(tracker, frames, hooks, info.duration_ms)
            people = _people(tracker, config, region)
        finally:
            decoded.close()  # stops the decode thread at once on cancel or error
            tracker.close()
    tiles = [_in_region(_normalised(t, tracker.frame_wh), region) for t in tracker.tiles]
    return Recording(info, people, tiles, region or FULL_FRAME)


def _run(tracker: Tracker, frames: Iterator[Frame], hooks: Hooks, duration_ms: int) -> None:
    head: list[Frame] = []
    for frame in frames:
        if len(head) < LAYOUT_FRAMES:
            head.append(frame)
            if len(head) < LAYOUT_FRAMES:
                continue
            _start(tracker, head, hooks, duration_ms)
            continue
        _step(tracker, frame, hooks, duration_ms)
    if len(head) < LAYOUT_FRAMES:  # a clip shorter than the layout sample
        _start(tracker, head, hooks, duration_ms)


def _start(tracker: Tracker, head: list[Frame], hooks: Hooks, duration_ms: int) -> None:
    if head:
        h, w = head[0].image.shape[:2]
        # Borders are found as well at half size (8 px borders stay 4 px), at a quarter the cost.
        scale = min(1.0, LAYOUT_MAX_SIDE_PX / max(h, w))
        size = (round(w * scale), round(h * scale))
        grey = [
            cv2.resize(
                cv2.cvtColor(f.image, cv2.COLOR_RGB2GRAY), size, interpolation=cv2.INTER_AREA
            )
            for f in head
        ]
        tracker.set_layout(np.stack(grey).astype(np.float32), scale)
    for frame in head:
        _step(tracker, frame, hooks, duration_ms)


def _step(tracker: Tracker, frame: Frame, hooks: Hooks, duration_ms: int) -> None:
    hooks.check()
    tracker.process(frame)
    hooks.progress("landmarks", _fraction(frame.timestamp_ms, duration_ms))


def _normalised(box: tuple[int, int, int, int], frame_wh: tuple[int, int]) -> Box:
    w, h = frame_wh
    if not w or not h:
        return FULL_FRAME
    return (box[0] / w, box[1] / h, box[2] / w, box[3] / h)


def _people(tracker: Tracker, config: PipelineConfig, region: Box | None) -> list[Tracked]:
    people = []
    all_series = tracker.series()
    for slot, series in zip(tracker.slots, all_series, strict=True):
        coverage = float(series.face_present.mean()) if len(series) else 0.0
        if coverage < config.min_participant_coverage:
            continue
        area = slot.area_sum / max(int(series.face_present.sum()), 1)
        owns = not slot.shares_tile or _dominates(slot, tracker)
        # Not the tile's own: head and shoulders around the face, inside the tile.
        box = slot.tile if owns else face_region(slot.face, slot.tile, config.face_crop_scale)
        normalised = _in_region(_normalised(box, tracker.frame_wh), region)
        people.append(Tracked(normalised, series, area * coverage, owns))
    if not people and all_series:
        # Nobody's face was ever seen: the whole-picture watch keeps its hands and frames.
        people.append(Tracked(_in_region(FULL_FRAME, region), all_series[0], 0.0, True))
    if not people:
        people.append(_nobody(tracker, region))
    return sorted(people, key=lambda p: -p.prominence)


def _dominates(slot: Slot, tracker: Tracker) -> bool:
    """The tile is this person's: everyone else in it is a small overlay (a self-view)."""
    mates = [s for s in tracker.slots if s.tile == slot.tile and s is not slot]
    mine = slot.area_sum / max(len(tracker.times), 1)
    return all(mine >= OVERLAY_AREA_RATIO * m.area_sum / max(len(tracker.times), 1) for m in mates)


# A face this many times larger than every other face in its tile owns the tile; the
# others are overlays (a speaker view with a small self-view tile).
OVERLAY_AREA_RATIO = 6.0


def _in_region(box: Box, region: Box | None) -> Box:
    """A box normalised to a crop, re-expressed normalised to the whole frame."""
    if region is None:
        return box
    x, y, w, h = region
    return (x + box[0] * w, y + box[1] * h, box[2] * w, box[3] * h)


def _nobody(tracker: Tracker, region: Box | None) -> Tracked:
    n = len(tracker.times)
    series = LandmarkSeries(
        np.asarray(tracker.times, dtype=np.int64),
        np.full((n, FACE_POINTS, 3), np.nan, np.float32),
        np.full((n, MAX_HANDS, HAND_POINTS, 3), np.nan, np.float32),
        np.array(tracker.frame_wh, dtype=np.int64),
    )
    return Tracked(region or FULL_FRAME, series, 0.0, True)


def choose(recording: Recording, spec: Box | int | None) -> int | None:
    """Index of the participant a spec names: the most prominent, an index, or the one
    whose face lies in a box (None when no participant's face is in that box).

    Raises:
        ValueError: an index out of range.
    """
    people = recording.people
    if spec is None:
        return 0
    if isinstance(spec, int):
        if spec >= len(people):
            raise ValueError(f"participant index {spec} out of range: {len(people)} found")
        return spec
    inside = [i for i, p in enumerate(people) if _face_share_in(p.series, spec) >= 0.5]
    return max(inside, key=lambda i: people[i].prominence) if inside else None


def _face_share_in(series: LandmarkSeries, box: Box) -> float:
    """Share of the frames with a face whose nose lies inside a normalised box."""
    nose = series.face[series.face_present, 1, :2]
    if nose.size == 0:
        return 0.0
    x, y, w, h = box
    inside = (nose[:, 0] >= x) & (nose[:, 0] < x + w) & (nose[:, 1] >= y) & (nose[:, 1] < y + h)
    return float(inside.mean())


def _fraction(timestamp_ms: int, duration_ms: int) -> float:
    if duration_ms > 0:
        return timestamp_ms / duration_ms
    # Browser WebM does not say how long it is: approach 1 without claiming to reach it.
    return 1.0 - float(np.exp(-timestamp_ms / 600_000))

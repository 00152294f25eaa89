"""Following every participant of a call: one face region and one face mesh per person.

The layout (tiles) is read from the first frames; faces are surveyed with the full-range
detector over each tile and its quarters (small self-view tiles included) every few
seconds; each person keeps a stable id by position and gets a `LandmarkSeries` in
full-frame coordinates. A person alone in a tile is meshed on the whole tile, exactly as a
single-camera video would be; people sharing a tile get a square crop around their face.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from pipeline.config import PipelineConfig
from pipeline.people import crops, locate, mesh, survey
from pipeline.people.hands import HandSearch
from pipeline.people.landmarks import FaceDetector, LandmarkModel
from pipeline.people.locate import PixelBox
from pipeline.people.rows import Rows
from pipeline.people.survey import DUPLICATE_IOU, SURVEY_WINDOW_MIN_PX, Detections
from pipeline.types import FACE_POINTS, HAND_POINTS, MAX_HANDS, Frame, LandmarkSeries

# Meshes of two crops overlapping this much found the same face, not two neighbours.
SHARED_FACE_IOU = 0.4
# Frames of head pitch and lid aperture a look down is measured against (10 s at 5 fps).
LOOK_HISTORY = 50
F32 = npt.NDArray[np.float32]
# A face lost at its crop's edge is looked for again over a crop this many times as wide.
# The mesh's own detector is made for faces that fill much of its picture: over a crop twice
# as wide (six face widths) it did not find the 65-75 px face of `tests/test_panning.py`,
# over 1.5 times (four and a half) it did. Reasoned from that one shot, not fitted.
WIDER_LOOK = 1.5


@dataclass
class Slot:
    """One participant being followed."""

    index: int
    tile: PixelBox
    face: PixelBox
    region: PixelBox
    model: LandmarkModel
    faces: Rows
    hands: Rows
    area_sum: float = 0.0
    shares_tile: bool = False
    # Meshed on a crop around the face (people sharing a tile, or a face small in a big
    # tile) rather than on the whole tile.
    cropped: bool = False
    seen: bool = True  # a fresh detection counts as seen
    # Recent head pitch and lid aperture, to notice a look down while recording.
    pitch_deg: deque[float] = field(default_factory=lambda: deque(maxlen=LOOK_HISTORY))
    lids: deque[float] = field(default_factory=lambda: deque(maxlen=LOOK_HISTORY))
    looks_down: bool = False
    lost_since_ms: int | None = None
    # The mesh's face box in the last frame, None if it was not seen there; and how far the
    # face's centre moved between the last two frames it was seen in a row, in pixels
    # ((0, 0) otherwise): where to expect it in the next frame.
    meshed: PixelBox | None = None
    step: tuple[float, float] = (0.0, 0.0)

    def expected_face(self) -> PixelBox:
        """The face's box in the next frame if it keeps moving as in the last one."""
        x, y, w, h = self.face
        return (round(x + self.step[0]), round(y + self.step[1]), w, h)


class Tracker:
    """Feeds frames to one face mesh per participant and collects their landmark series."""

    def __init__(
        self, config: PipelineConfig, *, hands: bool = True, expected_frames: int = 1024
    ) -> None:
        """`expected_frames`: a guess of the frames to come, to size the landmark arrays."""
        self.config = config
        self.expected_frames = expected_frames
        self.with_hands = hands
        self.slots: list[Slot] = []
        self.tiles: list[PixelBox] = []
        self.times: list[int] = []
        self.frame_wh = (0, 0)
        self._detector = FaceDetector(config.survey_min_confidence)
        self._hand_search = HandSearch(config)
        self._last_survey_ms: int | None = None
        self._pending: Detections = []
        self._surveys = 0

    def close(self) -> None:
        for slot in self.slots:
            slot.model.close()
        self._hand_search.close()
        self._detector.__exit__(None, None, None)

    def set_layout(self, grey_frames: npt.NDArray[np.float32], scale: float = 1.0) -> None:
        """Reads the tiles from a few grey frames `(K, H, W)` (before the first `process`),
        given at `scale` times the size of the frames that follow."""
        self.tiles = [
            (round(x / scale), round(y / scale), round(w / scale), round(h / scale))
            for x, y, w, h in locate.find_tiles(grey_frames)
        ]

    def process(self, frame: Frame) -> None:
        """Landmarks of every participant in one frame (NaN for those not found)."""
        h, w = frame.image.shape[:2]
        self.frame_wh = (w, h)
        if not self.tiles:
            self.tiles = [(0, 0, w, h)]
        if self._survey_due(frame.timestamp_ms):
            self._survey(frame)
            self._last_survey_ms = frame.timestamp_ms
        self.times.append(frame.timestamp_ms)
        for slot in self.slots:
            self._mesh(slot, frame.image, frame.timestamp_ms)
        self._dedupe(frame.timestamp_ms)
        self._hands(frame.image)

    def _survey_due(self, now_ms: int) -> bool:
        """Often at the start (people settle, tiles fill), then every few seconds, and soon
        after anyone is lost."""
        last = self._last_survey_ms
        if last is None:
            return True
        since = now_ms - last
        early = now_ms < self.config.survey_early_ms
        quick = self.config.survey_early_interval_ms
        lost = self._recently_lost(now_ms)
        return since >= (quick if early or lost else self.config.survey_interval_ms)

    def _recently_lost(self, now_ms: int) -> bool:
        """Someone lost for a second: look again soon, and closely; lost for long (camera
        off, left the call), the regular rhythm will find them when they return."""
        return any(
            s.lost_since_ms is not None and 1000 <= now_ms - s.lost_since_ms <= 30_000
            for s in self.slots
        )

    def _mesh(self, slot: Slot, image: npt.NDArray[np.uint8], now_ms: int) -> None:
        if slot.cropped and slot.seen:
            heading = slot.expected_face()
            if survey.off_centre(slot.region, heading):
                # A face moving steadily (a panning camera) would leave its crop before the
                # mesh sees it off centre: the crop goes where it is heading.
                slot.region = locate.face_region(heading, slot.tile, self.config.face_crop_scale)
        points = self._mesh_on(slot, image, slot.region)
        if np.isnan(points[0, 0]) and slot.seen:
            points = self._mesh_again(slot, image)
        slot.seen = not np.isnan(points[0, 0])
        if slot.seen:
            slot.lost_since_ms = None
        elif slot.lost_since_ms is None:
            slot.lost_since_ms = now_ms
        if slot.seen:
            slot.face = crops.face_box(points, self.frame_wh)
            slot.step = _moved(slot.meshed, slot.face)
            slot.meshed = slot.face
            slot.area_sum += slot.face[2] * slot.face[3] / (self.frame_wh[0] * self.frame_wh[1])
            if slot.cropped and survey.off_centre(slot.region, slot.face):
                self._recentre(slot, slot.face)
            self._note_posture(slot, points)
        else:
            slot.looks_down = False
            slot.meshed, slot.step = None, (0.0, 0.0)
        slot.faces.append(points)

    def _mesh_again(self, slot: Slot, image: npt.NDArray[np.uint8]) -> F32:
        """A face seen in the last frame and lost in this one, looked for again at once.

        The mesh tracks a face from where it was in the last frame; a face that moved far
        since (a panning camera, a quick lean) falls outside that and is lost, and the model
        then detects afresh: on this frame, not the next one. A crop around the face may
        have lost it at its edge: the second look is over a wider crop around where it was
        heading (`WIDER_LOOK`; wider still, the face would be too small a part of it for the
        mesh's own detector, made for faces that fill much of the picture).
        """
        points = self._mesh_on(slot, image, slot.region)
        if not np.isnan(points[0, 0]) or not slot.cropped:
            return points
        cx, cy = survey.centre(slot.expected_face())
        side = WIDER_LOOK * max(slot.region[2], slot.region[3])
        around = (round(cx - side / 2), round(cy - side / 2), round(side), round(side))
        wide = locate.face_region(around, slot.tile, 1.0)
        points = self._mesh_on(slot, image, wide)
        if not np.isnan(points[0, 0]):
            self._recentre(slot, crops.face_box(points, self.frame_wh))
        return points

    def _mesh_on(self, slot: Slot, image: npt.NDArray[np.uint8], region: PixelBox) -> F32:
        """The slot's face mesh over one region of the frame, normalised to the frame."""
        return crops.mesh(slot.model, image, region, self.config.min_crop_side_px, self.frame_wh)

    def _note_posture(self, slot: Slot, points: F32) -> None:
        """Whether the person is looking down now, against their own last seconds: head
        bowed or lids lowered (but not shut: a blink is no look down). Only gates the hand
        model; the states come later."""
        w, h = self.frame_wh
        pitch, lids = mesh.pitch_and_aperture(points, scale=(w, h, w))
        if slot.pitch_deg:
            slot.looks_down = looks_down(pitch, lids, slot.pitch_deg, slot.lids, self.config)
        slot.pitch_deg.append(pitch)
        slot.lids.append(lids)

    def _dedupe(self, now_ms: int) -> None:
        """Two crops that found the same face: the one that has followed it longer keeps it,
        the other has lost its person in this frame (a neighbour walked into its crop)."""
        seen = [s for s in self.slots if s.seen]
        for a in seen:
            for b in seen:
                if a.index < b.index and b.seen and locate.iou(a.face, b.face) > SHARED_FACE_IOU:
                    loser = b if a.area_sum >= b.area_sum else a
                    loser.faces.clear_last()
                    loser.seen, loser.lost_since_ms = False, now_ms
                    loser.meshed, loser.step = None, (0.0, 0.0)
                    loser.area_sum -= loser.face[2] * loser.face[3] / self._frame_area()

    def _frame_area(self) -> float:
        return float(self.frame_wh[0] * self.frame_wh[1])

    def _survey(self, frame: Frame) -> None:
        self._surveys += 1
        # Small faces (quarters) are looked for early, when someone is lost, and on every
        # n-th survey: they are there from the start of a call, and cost 4 detections a tile.
        close = (
            frame.timestamp_ms < self.config.survey_early_ms
            or self._recently_lost(frame.timestamp_ms)
            or self._surveys % self.config.survey_close_every == 0
        )
        windows = SURVEY_WINDOW_MIN_PX if close else None
        found = survey.survey(self._detector, frame.image, self.tiles, windows)
        pending = []
        for box, score in found:
            slot = self._match(box)
            if slot is None and self._may_add(box, score):
                self._add(box)
            elif slot is None:
                pending.append((box, score))
            elif slot is not None and slot.cropped and survey.off_centre(slot.region, box):
                self._recentre(slot, box)
        self._pending = pending
        if not self.slots:
            # No face found yet: watch every tile whole; the mesh's own detector looks on
            # every frame, and a tile where it never finds one is dropped at the end.
            for tile in self.tiles:
                self._add(tile)
        self._assign_regions()

    def _may_add(self, box: PixelBox, score: float) -> bool:
        """A confident face, or a less confident one seen in the same place last time."""
        if len(self.slots) >= self.config.max_participants:
            return False
        again = any(locate.iou(box, p[0]) >= DUPLICATE_IOU for p in self._pending)
        # Nobody known yet: the first face there is, is someone (a split is not possible).
        return not self.slots or score >= self.config.new_participant_min_score or again

    def _match(self, box: PixelBox) -> Slot | None:
        centre = survey.centre(box)
        near = [
            s
            for s in self.slots
            if survey.same_face(s.face, box) or survey.same_face(s.expected_face(), box)
        ]
        if near:
            return min(near, key=lambda s: survey.distance(survey.centre(s.face), centre))
        inside = [s for s in self.slots if s.shares_tile and locate.contains(s.region, centre)]
        if inside:
            return min(inside, key=lambda s: survey.distance(survey.centre(s.face), centre))
        # A face elsewhere in the tile of a person the mesh has lost is that person moved
        # (or the tile's speaker switched); beside a person still seen, it is someone new.
        lost = [
            s
            for s in self.slots
            if not s.shares_tile and not s.seen and locate.contains(s.tile, centre)
        ]
        return lost[0] if lost else None

    def _add(self, box: PixelBox) -> None:
        tile = next(
            (t for t in self.tiles if locate.contains(t, survey.centre(box))), self.tiles[0]
        )
        model = LandmarkModel(self.config, hands=False)
        room = max(self.expected_frames, len(self.times) + 1)
        faces, hands = Rows((FACE_POINTS, 3), room), Rows((MAX_HANDS, HAND_POINTS, 3), room)
        slot = Slot(len(self.slots), tile, box, tile, model, faces, hands)
        slot.faces.append_missing(len(self.times))
        slot.hands.append_missing(len(self.times))
        self.slots.append(slot)

    def _recentre(self, slot: Slot, box: PixelBox) -> None:
        slot.face = box
        # The mesh keeps its model: a moved crop shifts its tracked region for a frame, after
        # which it detects again; a new model per move would cost memory (graphs are ~30 MB).
        slot.region = locate.face_region(box, slot.tile, self.config.face_crop_scale)

    def _assign_regions(self) -> None:
        for slot in self.slots:
            mates = [s for s in self.slots if s.tile == slot.tile]
            slot.shares_tile = len(mates) > 1
            crop = slot.shares_tile or self._small_in_tile(slot)
            if crop and not slot.cropped:
                self._recentre(slot, slot.face)
            elif not crop:
                slot.region = slot.tile
            slot.cropped = crop

    def _small_in_tile(self, slot: Slot) -> bool:
        """The face's crop is a small part of its tile: meshing the crop spares converting
        the rest of the picture (most of a 720p frame) on every frame."""
        region = locate.face_region(slot.face, slot.tile, self.config.face_crop_scale)
        tile_area = slot.tile[2] * slot.tile[3]
        return region[2] * region[3] * self.config.crop_area_ratio < tile_area

    def _hands(self, image: npt.NDArray[np.uint8]) -> None:
        looking_down = any(s.looks_down for s in self.slots)
        found = (
            self._hand_search.find(image, looking_down, len(self.slots)) if self.with_hands else []
        )
        if not found:  # most frames: nobody looks down
            for slot in self.slots:
                slot.hands.append_missing()
            return
        per_slot: dict[int, list[F32]] = {s.index: [] for s in self.slots}
        for hand in found:
            owner = self._owner(hand)
            if owner is not None:
                per_slot[owner.index].append(hand)
        for slot in self.slots:
            slot.hands.append(crops.pack_hands(per_slot[slot.index]))

    def _owner(self, hand: F32) -> Slot | None:
        w, h = self.frame_wh
        centre = (float(np.mean(hand[:, 0])) * w, float(np.mean(hand[:, 1])) * h)
        same_tile = [s for s in self.slots if locate.contains(s.tile, centre)] or self.slots
        return min(
            same_tile, key=lambda s: survey.distance(survey.centre(s.face), centre), default=None
        )

    def series(self) -> list[LandmarkSeries]:
        """One series per participant, in slot order, in full-frame coordinates."""
        wh = np.array(self.frame_wh, dtype=np.int64)
        times = np.asarray(self.times, dtype=np.int64)
        return [LandmarkSeries(times, s.faces.array(), s.hands.array(), wh) for s in self.slots]


def looks_down(
    pitch_deg: float,
    lids: float,
    recent_pitch_deg: Collection[float],
    recent_lids: Collection[float],
    config: PipelineConfig,
) -> bool:
    """Whether a frame's head pitch and lid aperture (`mesh.pitch_and_aperture`) look down
    against the same person's recent frames (at least one): the head bowed, or the lids
    lowered but not shutting (a blink)."""
    # statistics.median: a tenth of np.median's cost on 50 floats in a deque.
    bowed = pitch_deg < statistics.median(recent_pitch_deg) - config.hands_look_down_deg
    ratio = lids / max(statistics.median(recent_lids), 1e-6)
    return bowed or config.hands_lid_shut_ratio <= ratio < config.hands_lid_drop_ratio


def _moved(before: PixelBox | None, after: PixelBox) -> tuple[float, float]:
    """How far a face's centre moved between two frames; nothing if it was not seen before."""
    if before is None:
        return (0.0, 0.0)
    (x0, y0), (x1, y1) = survey.centre(before), survey.centre(after)
    return (x1 - x0, y1 - y0)

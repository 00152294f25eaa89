"""Data passed between pipeline stages: small frozen dataclasses of numpy arrays.

Missing data is NaN with fixed shapes. Times are integer milliseconds from the first frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
# A stretch of time `(start_ms, end_ms)`, end excluded.
Span = tuple[int, int]
StateArray = npt.NDArray[np.int8]

FACE_POINTS = 478
HAND_POINTS = 21
MAX_HANDS = 2


class Attention(IntEnum):
    """Per-frame attention state; the value is the code stored in `StateArray`."""

    SCREEN = 0
    DOWN = 1
    AWAY = 2
    CLOSED = 3
    ABSENT = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Attention:
        return cls[label.upper()]


ATTENTION_LABELS: tuple[str, ...] = tuple(a.label for a in Attention)


class DecodeError(Exception):
    """A video that cannot be analysed; the message is one line naming the file and reason."""


@dataclass(frozen=True)
class VideoInfo:
    """What a container says about its video stream, after rotation.

    `width`/`height` are the displayed size (rotation applied); `duration_ms` may be 0 when
    the container does not say (browser WebM) until decoding has counted it.
    """

    path: str
    codec: str
    width: int
    height: int
    fps: float
    duration_ms: int
    rotation_deg: int
    frame_count: int


@dataclass(frozen=True)
class Frame:
    """One decoded, upright RGB frame.

    Attributes:
        index: position among all decoded frames (not only sampled ones).
        timestamp_ms: presentation time from the first frame.
        image: `(H, W, 3)` uint8 RGB, displayed orientation.
    """

    index: int
    timestamp_ms: int
    image: npt.NDArray[np.uint8]


def _check_len(name: str, arr: npt.NDArray[Any], length: int) -> None:
    if arr.shape[0] != length:
        raise ValueError(f"{name} has {arr.shape[0]} rows, expected {length}")


@dataclass(frozen=True)
class LandmarkSeries:
    """Landmarks of one participant over time; the seam between the model and the rest.

    Attributes:
        timestamp_ms: `(T,)` int64.
        face: `(T, 478, 3)` float32, x and y normalised to the analysed image (crop) width
            and height, z in MediaPipe's scale (about x units); NaN where no face.
        hands: `(T, 2, 21, 3)` float32, same coordinates; NaN where no hand.
        image_wh: `(2,)` width and height in pixels of the analysed image, so that geometry
            can be done in square units.
    """

    timestamp_ms: IntArray
    face: FloatArray
    hands: FloatArray
    image_wh: IntArray

    def __post_init__(self) -> None:
        t = self.timestamp_ms.shape[0]
        if self.face.shape[1:] != (FACE_POINTS, 3):
            raise ValueError(f"face must be (T, {FACE_POINTS}, 3), got {self.face.shape}")
        if self.hands.shape[1:] != (MAX_HANDS, HAND_POINTS, 3):
            raise ValueError(f"hands must be (T, 2, 21, 3), got {self.hands.shape}")
        _check_len("face", self.face, t)
        _check_len("hands", self.hands, t)

    def __len__(self) -> int:
        return int(self.timestamp_ms.shape[0])

    @property
    def face_present(self) -> BoolArray:
        return np.asarray(~np.isnan(self.face[:, 0, 0]))

    def slice(self, start: int, stop: int) -> LandmarkSeries:
        return LandmarkSeries(
            self.timestamp_ms[start:stop],
            self.face[start:stop],
            self.hands[start:stop],
            self.image_wh,
        )

    def save(self, path: str | Path) -> None:
        np.savez_compressed(
            path,
            timestamp_ms=self.timestamp_ms,
            face=self.face,
            hands=self.hands,
            image_wh=self.image_wh,
        )

    @classmethod
    def load(cls, path: str | Path) -> LandmarkSeries:
        with np.load(path) as z:
            return cls(
                z["timestamp_ms"].astype(np.int64),
                z["face"].astype(np.float32),
                z["hands"].astype(np.float32),
                z["image_wh"].astype(np.int64),
            )

    @classmethod
    def concat(cls, parts: list[LandmarkSeries]) -> LandmarkSeries:
        return cls(
            np.concatenate([p.timestamp_ms for p in parts]),
            np.concatenate([p.face for p in parts]),
            np.concatenate([p.hands for p in parts]),
            parts[0].image_wh,
        )


@dataclass(frozen=True)
class Signals:
    """Per-frame measurements of one participant, all `(T,)`, NaN where unknown.

    Angles are degrees. Head: yaw > 0 = face turned toward image-left (the person's right),
    pitch > 0 = head up, roll > 0 = head tilted clockwise in the image (AFLW2000 conventions).
    Eye-in-head and gaze follow the same signs (yaw > 0 = looking toward image-left,
    pitch > 0 = looking up). `eye_openness` is lid aperture / eye width (about 0.25-0.35 for an
    open eye, < 0.1 closed); `lower_lid` is how far the lower lid sits below the eye-corner
    line, in eye widths (it stays in a look down and rises as the lids close). `hands_low` is
    true when a visible hand is in the lower third of the image; `hand_motion` is the mean
    hand-centre speed in image widths per second.
    """

    timestamp_ms: IntArray
    face_present: BoolArray
    confidence: FloatArray
    head_yaw_deg: FloatArray
    head_pitch_deg: FloatArray
    head_roll_deg: FloatArray
    eye_yaw_deg: FloatArray
    eye_pitch_deg: FloatArray
    gaze_yaw_deg: FloatArray
    gaze_pitch_deg: FloatArray
    eye_openness: FloatArray
    lower_lid: FloatArray
    hands_visible: npt.NDArray[np.int8]
    hands_low: BoolArray
    hand_motion: FloatArray

    def __len__(self) -> int:
        return int(self.timestamp_ms.shape[0])


@dataclass(frozen=True)
class Baseline:
    """A participant's own attending direction, learned from the recording."""

    gaze_yaw_deg: float
    gaze_pitch_deg: float
    head_pitch_deg: float
    eye_pitch_deg: float
    eye_openness: float
    spread_deg: float
    frames_used: int
    # Head yaw of the attending cluster: a head turned from it, eyes on the same screen,
    # reads less surely (the eye-in-head gain varies with the head angle and the person).
    head_yaw_deg: float = 0.0
    # "recording": learned from this recording; "prior": the recording showed no plausible
    # screen direction (lids far below the human range, gaze far below the camera), so the
    # camera prior stands in.
    source: str = "recording"
    # The lower lid's place when attending (`Signals.lower_lid`); NaN when unknown.
    lower_lid: float = float("nan")

    def as_dict(self) -> dict[str, float | int | str | None]:
        return {k: _rounded(v) for k, v in self.__dict__.items()}


def _rounded(value: float | int | str) -> float | int | str | None:
    if not isinstance(value, float):
        return value
    return round(value, 2) if np.isfinite(value) else None


@dataclass(frozen=True)
class AttentionSeries:
    """Per-frame attention states of one participant.

    Attributes:
        timestamp_ms: `(T,)`.
        attention: `(T,)` int8 `Attention` codes.
        baseline: the attending direction the states were judged against (None when the
            participant never showed a face).
    """

    timestamp_ms: IntArray
    attention: StateArray
    baseline: Baseline | None

    def __len__(self) -> int:
        return int(self.timestamp_ms.shape[0])

    def labels(self) -> list[str]:
        return [ATTENTION_LABELS[int(c)] for c in self.attention]


@dataclass(frozen=True)
class Participant:
    """One analysed person: where they are and what was measured."""

    id: str
    role: str
    box_xywh: tuple[float, float, float, float]
    signals: Signals
    states: AttentionSeries
    note_taking: BoolArray

    @property
    def coverage(self) -> float:
        n = len(self.signals)
        return float(self.signals.face_present.sum() / n) if n else 0.0


# --- the conversation: speech activity, segments and turns (issue 13) ----------------------


@dataclass(frozen=True)
class SpeechActivity:
    """Voice activity of the recording's audio track, one value per analysis window.

    Attributes:
        audio: `no_audio` (no audio stream), `no_speech` (a track without speech) or
            `speech`; set once segments are known.
        start_ms: time of the first window's start, ms from the first video frame.
        window_ms: length of each window in ms.
        probability: `(N,)` float32 speech probability of each window, 0-1.
    """

    audio: str
    start_ms: float
    window_ms: float
    probability: FloatArray

    @property
    def end_ms(self) -> float:
        """Where the track's analysed sound ends (it may end before the video)."""
        return self.start_ms + self.window_ms * self.probability.shape[0]


@dataclass(frozen=True)
class SpeechSegment:
    """A stretch of speech and whose it is: a participant id (`p0`...) or `unseen`."""

    start_ms: int
    end_ms: int
    speaker: str
    confidence: float


@dataclass(frozen=True)
class Turn:
    """One speaker's speech with its short pauses, as a person would mark the conversation.

    `role` is `interviewer`, `candidate` or `other`.
    """

    id: str
    start_ms: int
    end_ms: int
    speaker: str
    role: str

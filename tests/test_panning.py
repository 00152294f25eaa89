"""Issue 12's fourth failure: a small face in a moving shot (a meeting filmed by a panning
camera, faces about 75 px) was dropped as `absent` while the person looked down at a device.

No shared clip is such a shot with labels, so each test assembles one from a labelled clip:
the clip's frames, shrunk until the face is 75 px wide, set in a room of a 1920x1000 scene
that a 1280x720 camera pans across (600 px one way then back over the clip). The person and
their labels are the clip's own; only where the face sits in the picture moves.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
import pytest

from pipeline.analyze import analyse_series
from pipeline.config import PipelineConfig
from pipeline.evaluation.evaluate import truth_for
from pipeline.evaluation.labels import load_labels
from pipeline.media.decode import iter_frames
from pipeline.people.record import record
from pipeline.types import Attention
from tests.conftest import recording, shared_path

CONFIG = PipelineConfig()
VIEW_WH = (1280, 720)
SCENE_WH = (1920, 1000)
PAN_PX = 600
FACE_PX = 75


def _room(seed: int = 0) -> npt.NDArray[np.uint8]:
    """A room's worth of blurred furniture-like blocks (no face in it)."""
    rng = np.random.default_rng(seed)
    w, h = SCENE_WH
    room = np.full((h, w, 3), (70, 64, 58), np.uint8)
    for _ in range(40):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        size = int(rng.integers(40, 300)), int(rng.integers(40, 200))
        colour = tuple(int(v) for v in rng.integers(30, 200, 3))
        cv2.rectangle(room, (x, y), (x + size[0], y + size[1]), colour, -1)
    return np.asarray(cv2.GaussianBlur(room, (0, 0), 3), np.uint8)


def _face_width_px(name: str) -> float:
    series = recording(name)
    xs = series.face[:, :, 0] * series.image_wh[0]
    return float(np.nanmedian(np.nanmax(xs, axis=1) - np.nanmin(xs, axis=1)))


def panned_shot(name: str, out: Path) -> Path:
    """The shared clip `videos/NAME.mp4` as a small face in a panning shot, same timestamps."""
    source = list(iter_frames(shared_path(f"videos/{name}.mp4"), None))
    scale = FACE_PX / _face_width_px(name)
    room = _room()
    end_ms = max(source[-1].timestamp_ms, 1)
    with av.open(str(out), "w", format="mp4") as box:
        stream = box.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = *VIEW_WH, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"crf": "23", "preset": "veryfast"}
        for frame in source:
            small = cv2.resize(frame.image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            scene = room.copy()
            h, w = small.shape[:2]
            x, y = (SCENE_WH[0] - w) // 2, (SCENE_WH[1] - h) // 2
            scene[y : y + h, x : x + w] = small
            there_and_back = 1 - abs(1 - 2 * frame.timestamp_ms / end_ms)
            x0 = (SCENE_WH[0] - VIEW_WH[0] - PAN_PX) // 2 + round(PAN_PX * there_and_back)
            y0 = (SCENE_WH[1] - VIEW_WH[1]) // 2
            view = np.ascontiguousarray(scene[y0 : y0 + VIEW_WH[1], x0 : x0 + VIEW_WH[0]])
            picture = av.VideoFrame.from_ndarray(view, format="rgb24")
            picture.pts, picture.time_base = frame.timestamp_ms, Fraction(1, 1000)
            for packet in stream.encode(picture):
                box.mux(packet)
        for packet in stream.encode(None):
            box.mux(packet)
    return out


def _truth(name: str, times: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
    """The clip's labelled state of each frame, -1 where `cuewatch eval` would not score it."""
    label = next(lab for lab in load_labels(shared_path("labels").parent) if lab.name == name)
    return truth_for(label, times)


@pytest.mark.parametrize(
    "name", ["phone_typing_looking_down", "webcam_man_head_tilt_eyes_down_and_back"]
)
def test_a_small_face_in_a_panning_shot_is_followed_and_read_as_in_its_own_clip(
    name: str, tmp_path: Path
) -> None:
    video = panned_shot(name, tmp_path / f"{name}-panned.mp4")
    own = recording(name)  # the clip itself, as `cuewatch record` saw it
    rec = record(video, CONFIG)
    # One person, followed across the picture (not lost, not split into two). Before the
    # tracker followed moving faces it found the face in 6 of 23 and 46 of 63 frames; a
    # frame or so in twenty may still go (a blink of the detector), not one in four.
    assert len(rec.people) == 1
    series = rec.people[0].series
    assert series.face.shape[0] == own.face.shape[0]
    found = np.isfinite(series.face[:, 0, 0])
    assert found.mean() >= 0.95 * np.isfinite(own.face[:, 0, 0]).mean()
    # The face found is the one the camera pans across: it travels most of the pan's 600 px
    # in the picture (a face stuck in place would be a ghost, not the person).
    xs = series.face[found, :, 0] * series.image_wh[0]
    assert float(np.ptp(np.nanmean(xs, axis=1))) > 0.5 * PAN_PX
    # Read as the clip itself is, and as labelled: a look down at the phone is `down`.
    states = analyse_series(series, CONFIG).person.states.attention
    own_states = analyse_series(own, CONFIG).person.states.attention
    truth = _truth(name, series.timestamp_ms)
    scored = truth >= 0
    assert scored.any()
    agree_own = np.mean(states[scored] == own_states[scored])
    right = np.mean(states[scored] == truth[scored])
    right_own = np.mean(own_states[scored] == truth[scored])
    # A face a fifth or half its own size reads a few frames differently (gaze from fewer
    # pixels: 3 of 27 in the webcam clip), never as gone; against the labels it may lose
    # as many frames as that (0.1 of them), not the run of `absent` the fourth failure was.
    assert agree_own >= 0.85
    assert right >= right_own - 0.1
    assert not (states[scored] == Attention.ABSENT).any()

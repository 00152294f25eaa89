"""The model seam on real clips: landmark conversion and when the recorder looks for hands."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections import deque
from dataclasses import replace
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from pipeline.attention import geometry
from pipeline.config import PipelineConfig
from pipeline.evaluation.evaluate import truth_for
from pipeline.evaluation.labels import load_labels
from pipeline.media import decode
from pipeline.people import landmarks, mesh
from pipeline.people.record import record
from pipeline.people.track import LOOK_HISTORY, looks_down
from pipeline.types import Attention, LandmarkSeries
from tests.conftest import LANDMARKS_DIR, recording, shared_path

pytestmark = pytest.mark.mediapipe


class _Wire:
    """A landmark list as MediaPipe hands it out, wrapped to hide its serialised form."""

    def __init__(self, inner: object) -> None:
        self.landmark = inner.landmark  # type: ignore[attr-defined]

    def SerializeToString(self) -> bytes:
        return b"not the wire layout"


def test_fast_landmark_reading_equals_reading_each_point() -> None:
    video = shared_path("videos/hd_s18_lens_gaze.mp4")
    frames = list(islice(decode.iter_frames(video, 5.0), 6))
    model = landmarks._face_mesh(PipelineConfig(), static=False)
    try:
        found = [model.process(f.image).multi_face_landmarks for f in frames]
    finally:
        model.close()
    meshes = [m[0] for m in found if m]
    assert len(meshes) == len(frames)
    for found_mesh in meshes:
        fast = landmarks._to_array(found_mesh, 478)
        slow = landmarks._to_array(_Wire(found_mesh), 478)  # falls back to the point walk
        assert fast.shape == (478, 3) and fast.dtype == np.float32
        np.testing.assert_array_equal(fast, slow)
        assert 0.2 < float(fast[:, 0].mean()) < 0.8  # a face, not bytes read askew


def test_scalar_posture_equals_the_vectorised_geometry() -> None:
    series = recording("selfie_d3_looks_down")
    w, h = (float(v) for v in series.image_wh)
    face = series.face[series.face_present].astype(np.float64) * np.array([w, h, w])
    pitch = geometry.head_pose_deg(face)[1]
    lids = np.fmax(*(geometry.eye_in_head(face, e)[2] for e in mesh.EYES))
    scalar = np.array([mesh.pitch_and_aperture(f) for f in face])
    normalised = series.face[series.face_present]
    scaled = np.array([mesh.pitch_and_aperture(f, scale=(w, h, w)) for f in normalised])
    np.testing.assert_allclose(scaled, scalar, atol=1e-6)
    assert len(face) > 20 and np.ptp(pitch) > 10  # the head really moves in this clip
    np.testing.assert_allclose(scalar[:, 0], pitch, atol=1e-9)
    np.testing.assert_allclose(scalar[:, 1], lids, atol=1e-12)


def test_hands_are_looked_for_while_looking_down_only() -> None:
    # The typist looks at the screen with both hands on the keyboard in view.
    video = shared_path("videos/sidecam_hands_keyboard.avi")
    config = PipelineConfig()
    default = record(video, config).people[0].series
    every = record(video, replace(config, hands_every_n_frames=1)).people[0].series
    seen = ~np.isnan(default.hands[:, :, 0, 0]).all(axis=1)
    seen_every = ~np.isnan(every.hands[:, :, 0, 0]).all(axis=1)
    assert seen_every.mean() > 0.9
    # Only the typist's glances at the keyboard open the gate: a minority of the frames.
    assert seen.mean() < 0.5 * seen_every.mean()


def test_hands_are_looked_for_on_the_frames_the_head_bows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meshed: list[int] = []  # one face mesh call per frame: one person in this clip
    looked: list[int] = []
    face, all_hands = landmarks.LandmarkModel.face, landmarks.LandmarkModel.all_hands

    def count_face(self: landmarks.LandmarkModel, image: np.ndarray) -> np.ndarray:
        meshed.append(len(meshed))
        return face(self, image)

    def count_hands(self: landmarks.LandmarkModel, image: np.ndarray) -> list[np.ndarray]:
        looked.append(len(meshed) - 1)
        return all_hands(self, image)

    monkeypatch.setattr(landmarks.LandmarkModel, "face", count_face)
    monkeypatch.setattr(landmarks.LandmarkModel, "all_hands", count_hands)
    series = record(shared_path("videos/selfie_d3_looks_down.mp4"), PipelineConfig())
    series = series.people[0].series
    w, h = (float(v) for v in series.image_wh)
    pitch = geometry.head_pose_deg(series.face.astype(np.float64) * np.array([w, h, w]))[1]
    assert len(meshed) == len(series)
    bowed = np.flatnonzero(pitch < np.nanmedian(pitch) - 9)  # two looks down, by eye
    upright = np.flatnonzero(pitch > np.nanmedian(pitch))
    assert len(bowed) >= 8 and len(upright) >= 20
    assert set(bowed) <= set(looked)
    # Lowered lids open the gate too (this clip is expressive); a raised head hardly does.
    assert len(set(upright) & set(looked)) <= 0.2 * len(upright)
    assert len(looked) < 0.6 * len(series)


def _gate(series: LandmarkSeries, config: PipelineConfig) -> tuple[np.ndarray, np.ndarray]:
    """The recorder's hand gate replayed over a recording: open or not, and the lids against
    their recent median, per frame (shut and NaN before a first frame to compare with)."""
    w, h = (float(v) for v in series.image_wh)
    pitches: deque[float] = deque(maxlen=LOOK_HISTORY)
    apertures: deque[float] = deque(maxlen=LOOK_HISTORY)
    opened = np.zeros(len(series), dtype=bool)
    ratio = np.full(len(series), np.nan)
    for i in np.flatnonzero(series.face_present):
        pitch, lids = mesh.pitch_and_aperture(series.face[i], scale=(w, h, w))
        if pitches:
            opened[i] = looks_down(pitch, lids, pitches, apertures, config)
            ratio[i] = lids / statistics.median(apertures)
        pitches.append(pitch)
        apertures.append(lids)
    return opened, ratio


def test_blinks_do_not_open_the_hand_gate_and_looks_down_still_do(data_dir: Path) -> None:
    # Over every labelled recording: frames labelled `screen` whose lids are shutting (a
    # blink caught part-way) no longer call the hand model; frames labelled `down` open
    # the gate exactly as before the blink rule.
    config = PipelineConfig()
    before = replace(config, hands_lid_shut_ratio=0.0)
    blinks = blinks_opened = blinks_opened_before = 0
    down_opened: list[bool] = []
    down_opened_before: list[bool] = []
    for label in load_labels(data_dir, [LANDMARKS_DIR.parent / "labels"]):
        if not (LANDMARKS_DIR / f"{label.name}.npz").exists():
            continue
        series = recording(label.name)
        truth = truth_for(label, series.timestamp_ms)
        opened, ratio = _gate(series, config)
        opened_before, _ = _gate(series, before)
        blink = (truth == Attention.SCREEN) & (ratio < config.hands_lid_shut_ratio)
        blinks += int(blink.sum())
        blinks_opened += int((opened & blink).sum())
        blinks_opened_before += int((opened_before & blink).sum())
        down = truth == Attention.DOWN
        down_opened += opened[down].tolist()
        down_opened_before += opened_before[down].tolist()
    assert blinks >= 15  # 24 when written, in 11 clips
    assert blinks_opened_before == blinks  # each of them used to call the hand model
    assert blinks_opened == 0
    assert len(down_opened) >= 100 and down_opened == down_opened_before


def test_mediapipe_comes_without_matplotlib_and_tasks_until_used() -> None:
    script = (
        "import sys, pipeline.people.landmarks as lm\n"
        "lm._face_mesh(lm.PipelineConfig(), static=False).close()\n"
        "lm.FaceDetector()\n"
        "print(type(sys.modules['matplotlib.pyplot']).__name__)\n"
        "print(type(sys.modules['mediapipe.tasks.python']).__name__)\n"
        "import matplotlib.pyplot as plt\n"
        "print(callable(plt.figure), type(sys.modules['matplotlib.pyplot']).__name__)\n"
        "print(lm.mp.solutions.drawing_utils.plt.plot is plt.plot)\n"
        "from mediapipe.tasks.python import vision\n"
        "tasks = sys.modules['mediapipe.tasks.python']\n"
        "print(type(tasks).__name__, vision.FaceLandmarker.__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == [
        "_Deferred",
        "_Deferred",
        "True",
        "module",
        "True",
        "module",
        "FaceLandmarker",
    ]

"""annotated.mp4: overlays from hand-built landmarks, and a real clip written and read back."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.attention.calibrate import classify
from pipeline.attention.signals import compute_signals
from pipeline.config import PipelineConfig
from pipeline.outputs.annotate import OverlaySource, draw, write_annotated
from pipeline.people.mesh import FacePoint
from pipeline.types import FACE_POINTS, HAND_POINTS, MAX_HANDS, LandmarkSeries
from pipeline.verdict.aggregate import aggregate, frame_scores
from tests.conftest import recording, shared_path
from tests.test_aggregate_factories import signals_for, states_from

CONFIG = PipelineConfig()


def _series(present: list[bool]) -> LandmarkSeries:
    """Faces as a square of landmarks over the middle of the crop, NaN where absent."""
    n = len(present)
    face = np.full((n, FACE_POINTS, 3), np.nan, dtype=np.float32)
    grid = np.random.default_rng(0).uniform(0.25, 0.75, size=(FACE_POINTS, 3))
    grid[0, :2], grid[1, :2] = 0.25, 0.75  # the corners pin the bounding box
    grid[[FacePoint.RIGHT_IRIS_CENTER, FacePoint.LEFT_IRIS_CENTER], :2] = [[0.4, 0.4], [0.6, 0.4]]
    face[np.array(present)] = grid
    hands = np.full((n, MAX_HANDS, HAND_POINTS, 3), np.nan, dtype=np.float32)
    return LandmarkSeries(np.arange(n, dtype=np.int64) * 200, face, hands, np.array([200, 100]))


def _source(yaw: float, pitch: float, box: tuple[float, float, float, float]) -> OverlaySource:
    states = states_from([("screen", 200), ("absent", 200)])
    signals = signals_for(states)
    signals.gaze_yaw_deg[:] = yaw
    signals.gaze_pitch_deg[:] = pitch
    scores = np.array([42.0, np.nan], dtype=np.float32)
    return OverlaySource(
        _series([True, False]), signals, states.labels(), np.array([True, False]), scores, box
    )


@pytest.mark.parametrize(
    ("box", "face_box"),
    [
        ((0.0, 0.0, 1.0, 1.0), (100, 50, 300, 150)),  # full frame of 400 x 200
        ((0.5, 0.0, 0.5, 1.0), (250, 50, 350, 150)),  # the right-hand tile of a two-up call
    ],
)
def test_face_box_maps_the_crop_to_the_image(
    box: tuple[float, float, float, float], face_box: tuple[int, int, int, int]
) -> None:
    ov = _source(0.0, 0.0, box).at(0, (400, 200))
    assert ov.face_box == face_box
    assert ov.state == "screen" and ov.notes and ov.score == 42.0


@pytest.mark.parametrize(
    ("yaw", "pitch", "dx_sign", "dy_sign"),
    [
        (30.0, 0.0, -1, 0),  # yaw > 0: looking toward image-left
        (-30.0, 0.0, 1, 0),
        (0.0, 20.0, 0, -1),  # pitch > 0: looking up
        (0.0, -20.0, 0, 1),  # looking down
    ],
)
def test_gaze_arrow_points_where_the_signals_say(
    yaw: float, pitch: float, dx_sign: int, dy_sign: int
) -> None:
    ov = _source(yaw, pitch, (0.0, 0.0, 1.0, 1.0)).at(0, (400, 200))
    assert ov.gaze_from is not None and ov.gaze_to is not None
    assert ov.gaze_from == (200, 80)  # between the irises
    assert np.sign(ov.gaze_to[0] - ov.gaze_from[0]) == dx_sign
    assert np.sign(ov.gaze_to[1] - ov.gaze_from[1]) == dy_sign


def test_absent_face_draws_only_the_caption() -> None:
    source = _source(0.0, 0.0, (0.0, 0.0, 1.0, 1.0))
    ov = source.at(1, (400, 200))
    assert ov.face_box is None and ov.gaze_to is None and ov.state == "absent"
    image = np.full((200, 400, 3), 255, dtype=np.uint8)
    drawn = draw(image, ov)
    assert (drawn[2, 2] == 0).all()  # caption background
    assert (drawn[150:, :] == 255).all()  # nothing else


def test_write_annotated_real_clip(tmp_path: Path) -> None:
    video = shared_path("videos/studio_d0_glance.mp4")
    series = recording("studio_d0_glance")
    signals = compute_signals(series, CONFIG)
    states = classify(signals, CONFIG)
    agg = aggregate(signals, states, CONFIG, int(series.timestamp_ms[-1]) + 200)
    scores = frame_scores(states, agg.note_taking, CONFIG)
    out = tmp_path / "annotated.mp4"
    written = write_annotated(
        video,
        out,
        series.timestamp_ms,
        series,
        signals,
        states,
        scores,
        note_taking=agg.note_taking,
    )
    assert written > 0 and not list(tmp_path.glob(".*.tmp"))
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (512, 512)
    assert len(frames) == written
    # the caption's black background is drawn over the picture
    assert frames[len(frames) // 2][:4, :4].max() < 40

"""Head pose and eye geometry: index conventions, known rotations, AFLW2000 ground truth."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from pipeline.attention import geometry
from pipeline.people import mesh
from pipeline.people.mesh import FacePoint
from tests.conftest import recording, shared_path


def _frontal_face() -> np.ndarray:
    """A real face from a frontal studio clip, in pixels, centred on the head."""
    series = recording("studio_d18_frontal")
    w, h = (float(v) for v in series.image_wh)
    face = series.face[0].astype(np.float64) * np.array([w, h, w])
    ex, ey, ez = (a[0] for a in geometry.head_axes(face[None]))
    # Expressed in its own axes the face is exactly square to the camera (pose 0, 0, 0).
    return (face - face.mean(axis=0)) @ np.stack([ex, ey, ez], axis=1)


def _rot(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotation in camera space (x right, y down, z away) with the AFLW sign conventions."""
    y, p, r = np.radians([yaw, -pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return ry @ rx @ rz


def _pose(face: np.ndarray) -> np.ndarray:
    return np.array([a[0] for a in geometry.head_pose_deg(face[None])])


def test_face_points_follow_the_image_conventions_on_a_real_frame() -> None:
    face = recording("phone_eyes_center").face[0]
    x = face[:, 0]
    # The person's right eye is on the image's left, its iris between its corners.
    assert x[FacePoint.RIGHT_EYE_OUTER] < x[FacePoint.RIGHT_EYE_INNER]
    assert x[FacePoint.RIGHT_EYE_INNER] < x[FacePoint.LEFT_EYE_INNER] < x[FacePoint.LEFT_EYE_OUTER]
    assert (
        x[FacePoint.RIGHT_EYE_OUTER] < x[FacePoint.RIGHT_IRIS_CENTER] < x[FacePoint.RIGHT_EYE_INNER]
    )
    assert x[FacePoint.LEFT_EYE_INNER] < x[FacePoint.LEFT_IRIS_CENTER] < x[FacePoint.LEFT_EYE_OUTER]
    # Upright (rotation metadata honoured): forehead above nose above chin.
    y = face[:, 1]
    assert y[FacePoint.FOREHEAD] < y[FacePoint.NOSE_TIP] < y[FacePoint.CHIN]
    # The inner lips sit between nose and chin (a closed mouth puts them within a hair).
    for lip in (FacePoint.UPPER_LIP_INNER, FacePoint.LOWER_LIP_INNER):
        assert y[FacePoint.NOSE_TIP] < y[lip] < y[FacePoint.CHIN]


def test_the_inner_lips_open_downward_while_talking() -> None:
    # A man talking to the camera: the lower inner lip is below the upper one on every frame,
    # by several percent of the face height in the median (the mouth opening's sign and size).
    face = recording("talk_edmarkey").face
    height = face[:, FacePoint.CHIN, 1] - face[:, FacePoint.FOREHEAD, 1]
    gap = (face[:, FacePoint.LOWER_LIP_INNER, 1] - face[:, FacePoint.UPPER_LIP_INNER, 1]) / height
    assert np.nanmin(gap) >= 0.0 and np.nanmedian(gap) > 0.02


@pytest.mark.parametrize(
    ("yaw", "pitch", "roll"),
    [
        (20.0, 0.0, 0.0),  # turned toward image-left
        (-35.0, 0.0, 0.0),  # turned well toward image-right
        (0.0, 15.0, 0.0),  # head up
        (0.0, -25.0, 0.0),  # head down, as over a notepad
        (0.0, 0.0, 12.0),  # tilted clockwise in the image
        (0.0, 0.0, -20.0),  # tilted counter-clockwise
    ],
)
def test_head_pose_recovers_a_known_rotation(yaw: float, pitch: float, roll: float) -> None:
    face = _frontal_face()
    before = _pose(face)
    after = _pose(face @ _rot(yaw, pitch, roll).T)
    np.testing.assert_allclose(after - before, [yaw, pitch, roll], atol=2.0)


@pytest.mark.parametrize(
    ("shift", "expect_yaw_sign", "expect_pitch_sign"),
    [
        ((-0.08, 0.0), 1, 0),  # iris toward image-left: looking toward image-left
        ((0.08, 0.0), -1, 0),  # toward image-right
        ((0.0, 0.06), 0, -1),  # iris lower: looking down
        ((0.0, -0.06), 0, 1),  # iris higher: looking up
    ],
)
def test_iris_offset_turns_into_eye_angles(
    shift: tuple[float, float], expect_yaw_sign: int, expect_pitch_sign: int
) -> None:
    face = _frontal_face()
    eye = mesh.RIGHT_EYE
    width = np.linalg.norm(face[eye.outer, :2] - face[eye.inner, :2])
    moved = face.copy()
    moved[eye.iris, :2] += np.array(shift) * width
    yaw0, pitch0, _ = (a[0] for a in geometry.eye_in_head(face[None], eye))
    yaw1, pitch1, _ = (a[0] for a in geometry.eye_in_head(moved[None], eye))
    for delta, sign, offset in (
        (yaw1 - yaw0, expect_yaw_sign, shift[0]),
        (pitch1 - pitch0, expect_pitch_sign, shift[1]),
    ):
        expected = sign * np.degrees(np.arcsin(geometry.EYE_WIDTH_IN_RADII * abs(offset)))
        np.testing.assert_allclose(delta, expected, atol=2.0)


def test_lid_aperture_falls_to_zero_when_the_lids_meet() -> None:
    face = _frontal_face()
    eye = mesh.RIGHT_EYE
    _, _, open_ratio = geometry.eye_in_head(face[None], eye)
    shut = face.copy()
    for upper, lower in eye.lids:
        shut[upper] = shut[lower]
    _, _, shut_ratio = geometry.eye_in_head(shut[None], eye)
    assert 0.15 < open_ratio[0] < 0.5
    np.testing.assert_allclose(shut_ratio, 0.0, atol=1e-9)


# Mean absolute error per angle on the 16 AFLW2000-3D stills, measured when the head pose
# was written (yaw 4.4, pitch 6.2, roll 5.7 degrees); a regression past these fails.
AFLW_MAE_LIMIT_DEG = {"yaw": 5.5, "pitch": 7.5, "roll": 7.0}


@pytest.mark.mediapipe
def test_head_pose_error_on_aflw2000_stills() -> None:
    import cv2

    from pipeline.config import PipelineConfig
    from pipeline.people.landmarks import LandmarkModel

    labels = shared_path("stills/aflw2000/pose_labels.csv")
    errors = []
    with labels.open() as f:
        rows = list(csv.DictReader(f))
    with LandmarkModel(PipelineConfig(), hands=False, static=True) as model:
        for row in rows:
            image = cv2.cvtColor(cv2.imread(str(labels.parent / row["image"])), cv2.COLOR_BGR2RGB)
            h, w = image.shape[:2]
            face = model.face(image).astype(np.float64) * np.array([w, h, w])
            truth = [float(row[k]) for k in ("yaw_deg", "pitch_deg", "roll_deg")]
            errors.append(_pose(face) - truth)
    mae = dict(zip(("yaw", "pitch", "roll"), np.nanmean(np.abs(errors), axis=0), strict=True))
    assert len(errors) == 16 and not np.isnan(np.array(errors)).any(), "a face was missed"
    for angle, limit in AFLW_MAE_LIMIT_DEG.items():
        assert mae[angle] <= limit, f"head {angle} MAE {mae[angle]:.2f} > {limit} ({mae})"

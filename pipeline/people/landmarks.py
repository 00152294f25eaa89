"""The model seam: MediaPipe FaceMesh (with irises) and Hands turned into numpy arrays.

The only module that imports mediapipe. Nothing MediaPipe-shaped leaves it: callers get
`LandmarkSeries` (or per-frame arrays), with NaN where nothing was found.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from pipeline.config import PipelineConfig
from pipeline.types import FACE_POINTS, HAND_POINTS, MAX_HANDS


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is used, then imports it."""

    def __getattr__(self, attr: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attr)


def _defer(parent: str, child: str) -> None:
    """Puts stand-ins for `parent` and `parent.child` in place, unless already imported."""
    top = parent.partition(".")[0]
    if parent in sys.modules or importlib.util.find_spec(top) is None:
        return
    stand_in, child_stand_in = _Deferred(parent), _Deferred(f"{parent}.{child}")
    stand_in.__dict__[child] = child_stand_in  # `import parent.child as x` reads this
    sys.modules.update({parent: stand_in, f"{parent}.{child}": child_stand_in})


def _import_mediapipe() -> Any:
    """mediapipe, without importing matplotlib or its own Tasks API.

    mediapipe's solutions package imports its drawing helpers, which import
    matplotlib.pyplot, and the package imports its Tasks API (audio included): together
    about 0.3 s of every `cuewatch analyze`, for plotting and tasks we never use. Stand-ins
    take their place until first used, so code that does use them still gets the real
    modules.
    """
    _defer("matplotlib", "pyplot")
    _defer("mediapipe.tasks", "python")
    return importlib.import_module("mediapipe")


mp = _import_mediapipe()


@contextmanager
def _native_stderr_muted() -> Iterator[None]:
    """Silences the C++ side's stderr while graphs start: MediaPipe's native logging prints
    model-loading chatter there (it ignores Python logging), where our progress goes."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


# A `NormalizedLandmarkList` whose landmarks carry x, y and z only serialises to 17 bytes
# per landmark: field 1 (length-delimited, 15 bytes) holding fields 1-3 as little-endian
# float32, each after its one-byte tag. Reading that with numpy costs a twelfth of walking
# 478 Python objects.
_WIRE = np.dtype(
    [
        ("head", "u1", (3,)),
        ("x", "<f4"),
        ("tag_y", "u1"),
        ("y", "<f4"),
        ("tag_z", "u1"),
        ("z", "<f4"),
    ]
)
_WIRE_HEAD = (0x0A, 0x0F, 0x0D)
_TAG_Y, _TAG_Z = 0x15, 0x1D


def _to_array(landmarks: Any, n: int) -> npt.NDArray[np.float32]:
    wire = landmarks.SerializeToString()
    if len(wire) == n * _WIRE.itemsize:
        rows = np.frombuffer(wire, dtype=_WIRE)
        if (
            (rows["head"] == _WIRE_HEAD).all()
            and (rows["tag_y"] == _TAG_Y).all()
            and (rows["tag_z"] == _TAG_Z).all()
        ):
            return np.stack([rows["x"], rows["y"], rows["z"]], axis=1)
    # Any other layout (visibility set, a field missing, more points): the slow, sure way.
    pts = landmarks.landmark
    return np.array([(p.x, p.y, p.z) for p in pts[:n]], dtype=np.float32)


def empty_face() -> npt.NDArray[np.float32]:
    return np.full((FACE_POINTS, 3), np.nan, dtype=np.float32)


def empty_hands() -> npt.NDArray[np.float32]:
    return np.full((MAX_HANDS, HAND_POINTS, 3), np.nan, dtype=np.float32)


class _Graphs:
    """Runs MediaPipe graphs, silencing their native chatter on the first calls."""

    # The native chatter comes while graphs start and on the first detections.
    QUIET_CALLS = 20

    def __init__(self) -> None:
        self._calls = 0

    def _process(self, model: Any, image: npt.NDArray[np.uint8], stream: str) -> Any:
        self._calls += 1
        if self._calls > self.QUIET_CALLS:
            return _run(model, image, stream)
        with _native_stderr_muted():
            return _run(model, image, stream)


class LandmarkModel(_Graphs):
    """FaceMesh and/or Hands, in tracking mode for one stream of frames of one region.

    Use as a context manager; the methods take upright RGB uint8 images.
    """

    def __init__(
        self,
        config: PipelineConfig,
        *,
        hands: bool = True,
        face: bool = True,
        static: bool = False,
        max_hands: int = MAX_HANDS,
    ) -> None:
        super().__init__()
        # static: every image is unrelated (stills), so detect on each instead of tracking.
        with _native_stderr_muted():
            self._face = _face_mesh(config, static) if face else None
            self._hands = _hand_model(config, static, max_hands) if hands else None

    def __enter__(self) -> LandmarkModel:
        return self

    def __exit__(
        self, exc: type[BaseException] | None, val: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        for model in (self._face, self._hands):
            if model is not None:
                model.close()

    def face(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """Returns `(478, 3)` normalised face landmarks, NaN if no face."""
        if self._face is None:
            return empty_face()
        found = self._process(self._face, image, "multi_face_landmarks")
        if not found:
            return empty_face()
        return _to_array(found[0], FACE_POINTS)

    def all_hands(self, image: npt.NDArray[np.uint8]) -> list[npt.NDArray[np.float32]]:
        """Every hand found, each `(21, 3)` normalised."""
        if self._hands is None:
            return []
        found = self._process(self._hands, image, "multi_hand_landmarks")
        return [_to_array(h, HAND_POINTS) for h in (found or [])]


def _run(model: Any, image: npt.NDArray[np.uint8], stream: str) -> Any:
    """One run of a solution's graph on an RGB image: the content of one output stream, or
    None when the graph sent nothing on it (nothing found).

    What `SolutionBase.process` does, without creating a namedtuple class and converting
    every other output stream on each call: a tenth of the face mesh's cost per frame. The
    internals are those of the pinned mediapipe; if they ever differ, `process` is used.
    """
    try:
        graph, outputs = model._graph, model._graph_outputs
        ((name, kind),) = model._input_stream_type_info.items()
        out_kind = model._output_stream_type_info[stream]
    except (AttributeError, KeyError, ValueError):
        return getattr(model.process(image), stream)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB image, got shape {image.shape}")
    outputs.clear()
    model._simulated_timestamp += 33333  # as `process`: timestamps must increase
    graph.add_packet_to_input_stream(
        stream=name, packet=model._make_packet(kind, image).at(model._simulated_timestamp)
    )
    graph.wait_until_idle()
    packet = outputs.get(stream)
    return None if packet is None else model._get_packet_content(out_kind, packet)


def _face_mesh(config: PipelineConfig, static: bool) -> Any:
    return mp.solutions.face_mesh.FaceMesh(
        static_image_mode=static,
        max_num_faces=1,
        refine_landmarks=True,
        min_detection_confidence=config.min_detection_confidence,
        min_tracking_confidence=config.min_tracking_confidence,
    )


def _hand_model(config: PipelineConfig, static: bool, max_hands: int) -> Any:
    return mp.solutions.hands.Hands(
        static_image_mode=static,
        max_num_hands=max_hands,
        model_complexity=config.hands_model_complexity,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    )


class FaceDetector(_Graphs):
    """MediaPipe's full-range face detector (faces up to about 5 m away), for finding people.

    Each image is independent (no tracking). `detect` returns `(N, 5)` rows of normalised
    `x, y, w, h, score`.
    """

    def __init__(self, min_confidence: float = 0.5) -> None:
        super().__init__()
        with _native_stderr_muted():
            self._model = mp.solutions.face_detection.FaceDetection(
                model_selection=1, min_detection_confidence=min_confidence
            )

    def __enter__(self) -> FaceDetector:
        return self

    def __exit__(
        self, exc: type[BaseException] | None, val: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._model.close()

    def detect(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        found = self._process(self._model, image, "detections")
        rows = [
            (b.xmin, b.ymin, b.width, b.height, d.score[0])
            for d in (found or [])
            for b in (d.location_data.relative_bounding_box,)
        ]
        return np.array(rows, dtype=np.float32).reshape(-1, 5)

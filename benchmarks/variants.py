"""Measures the changes the profile points at, on the bench recording, before anyone makes them.

- decoding: FFmpeg's `skip_frame=NONREF` (B-frames nothing refers to are not decoded) and
  decoder thread counts, against the default used by `pipeline.media.decode`;
- RGB conversion of a sampled frame: full size against a conversion that also shrinks;
- the models, per sampled frame: FaceMesh, Hands and the face detector on the full frame
  and on a half-size frame, Hands with the heavier model;
- FaceMesh and Hands one after the other on each frame, against Hands in a second thread
  (MediaPipe runs its graphs outside the GIL, so two models can use both cores).

Wall and CPU (all threads of this process) per frame are printed for each.

    .venv/bin/python benchmarks/variants.py [--minutes 3] [--frames 150]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

import av
import cv2
import floor
import numpy as np
import numpy.typing as npt
from longvideo import DEFAULT_SOURCE, ensure_long_video

from pipeline.config import PipelineConfig
from pipeline.media import decode
from pipeline.people.landmarks import FaceDetector, LandmarkModel

Image = npt.NDArray[np.uint8]
WARMUP_FRAMES = 5


def _row(label: str, *values: str) -> str:
    return f"{label:<52}" + "".join(f"{v:>11}" for v in values)


def decode_variants(video: Path, fps: float) -> None:
    print(_row("decoding every frame of the file", "wall s", "cpu s", "frames"))
    runs = {
        "default (thread_type AUTO, as pipeline.media.decode)": floor.decode_only(video),
        "skip_frame NONREF": floor.decode_only(video, skip_frame="NONREF"),
        "thread_count 1": floor.decode_only(video, threads=1),
        "thread_count 2": floor.decode_only(video, threads=2),
        f"default + rgb24 of frames sampled at {fps:g} fps": floor.decode_sampled_rgb(video, fps),
        f"NONREF + rgb24 of frames sampled at {fps:g} fps": floor.decode_sampled_rgb(
            video, fps, skip_frame="NONREF"
        ),
    }
    for label, t in runs.items():
        print(_row(label, f"{t.wall_s:.2f}", f"{t.cpu_s:.2f}", str(t.frames)))


def _per_frame_ms(fn: Callable[[Any], object], items: Sequence[Any]) -> tuple[float, float]:
    for item in items[:WARMUP_FRAMES]:
        fn(item)
    wall, cpu = time.perf_counter(), time.process_time()
    for item in items:
        fn(item)
    n = max(1, len(items))
    return 1000 * (time.perf_counter() - wall) / n, 1000 * (time.process_time() - cpu) / n


def conversion_variants(video: Path, count: int) -> None:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = list(islice(container.decode(stream), 0, count * 6, 6))
    print(_row(f"\nconverting a decoded frame ({len(frames)} frames)", "wall ms", "cpu ms"))
    variants: dict[str, Callable[[av.VideoFrame], object]] = {
        "to_ndarray rgb24, 1280x720": lambda f: f.to_ndarray(format="rgb24"),
        "reformat to 640x360 rgb24": lambda f: f.reformat(640, 360, "rgb24").to_ndarray(),
    }
    for label, fn in variants.items():
        print(_row(label, *(f"{v:.2f}" for v in _per_frame_ms(fn, frames))))


def sampled_images(video: Path, fps: float, count: int) -> list[Image]:
    frames = decode.iter_frames(video, fps)
    try:
        return [f.image for f in islice(frames, count)]
    finally:
        frames.close()


def _half(images: list[Image]) -> list[Image]:
    return [np.asarray(_halve(i), np.uint8) for i in images]


def _halve(image: Image) -> object:
    size = (image.shape[1] // 2, image.shape[0] // 2)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _model_row(label: str, model: Any, method: str, images: list[Image]) -> None:
    with model:
        wall, cpu = _per_frame_ms(getattr(model, method), images)
    print(_row(label, f"{wall:.1f}", f"{cpu:.1f}"))


def model_variants(images: list[Image], config: PipelineConfig) -> None:
    half = _half(images)
    heavy = replace(config, hands_model_complexity=1)
    print(_row(f"\nmodels, per sampled frame ({len(images)} frames)", "wall ms", "cpu ms"))
    _model_row("FaceMesh (refined), 1280x720", LandmarkModel(config, hands=False), "face", images)
    _model_row("FaceMesh (refined), 640x360", LandmarkModel(config, hands=False), "face", half)
    _model_row(
        "Hands complexity 0, max 2, 1280x720",
        LandmarkModel(config, face=False),
        "all_hands",
        images,
    )
    _model_row(
        "Hands complexity 0, max 2, 640x360", LandmarkModel(config, face=False), "all_hands", half
    )
    _model_row(
        "Hands complexity 1, max 2, 1280x720", LandmarkModel(heavy, face=False), "all_hands", images
    )
    _model_row("face detector (full range), 1280x720", FaceDetector(), "detect", images)
    _model_row("face detector (full range), 640x360", FaceDetector(), "detect", half)


def _both_in_turn(face: LandmarkModel, hands: LandmarkModel) -> Callable[[Image], object]:
    return lambda image: (face.face(image), hands.all_hands(image))


def _both_at_once(
    face: LandmarkModel, hands: LandmarkModel, pool: ThreadPoolExecutor
) -> Callable[[Image], object]:
    def run(image: Image) -> object:
        pending = pool.submit(hands.all_hands, image)
        return face.face(image), pending.result()

    return run


def concurrency_variants(images: list[Image], config: PipelineConfig) -> None:
    """FaceMesh then Hands on each frame, against Hands in a second thread meanwhile."""
    print(_row(f"\nFaceMesh + Hands on one frame ({len(images)} frames)", "wall ms", "cpu ms"))
    with (
        LandmarkModel(config, hands=False) as face,
        LandmarkModel(config, face=False) as hands,
        ThreadPoolExecutor(1) as pool,
    ):
        turn = _per_frame_ms(_both_in_turn(face, hands), images)
        once = _per_frame_ms(_both_at_once(face, hands, pool), images)
    print(_row("one after the other (as the pipeline does)", *(f"{v:.1f}" for v in turn)))
    print(_row("Hands in a second thread meanwhile", *(f"{v:.1f}" for v in once)))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--minutes", type=float, default=3.0, help="bench recording length")
    p.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="720p clip to loop")
    p.add_argument("--frames", type=int, default=150, help="frames for per-frame figures")
    p.add_argument("--skip-decode", action="store_true", help="skip the whole-file decodes")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    video = ensure_long_video(args.minutes, args.source)
    config = PipelineConfig()
    print(f"video {video.name}")
    if not args.skip_decode:
        decode_variants(video, config.fps)
    conversion_variants(video, args.frames)
    images = sampled_images(video, config.fps, args.frames)
    model_variants(images, config)
    concurrency_variants(images, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Per-stage timings of one analysis, measured on the real composition in this process.

`pipeline.analyze.analyze_video` runs unchanged; its stages are timed two ways:

- by the pipeline's own progress reports (`on_progress(stage, fraction)`): the time from the
  first report of a stage to the first report of the next;
- by wrapping the stage functions and the model calls (in this process only) and adding up
  the time spent inside them. A function that no longer exists shows as n/a.

Decoding alone is timed first with `pipeline.media.decode.iter_frames` at the analysis rate.
"""

from __future__ import annotations

import functools
import importlib
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memory import reset_peak, status_mb

from pipeline.analyze import analyze_video
from pipeline.config import PipelineConfig
from pipeline.media import decode
from pipeline.types import Frame


@dataclass(frozen=True)
class Probe:
    """A function (or `Class.method`) whose inside time is added to `label`; with `memory`,
    also the peak RSS reached inside it (for stages called once, not per frame)."""

    label: str
    module: str
    name: str
    memory: bool = False


# The stage functions `analyze_video` composes and the model calls inside the landmarks
# stage; the first of several probes with one label that exists wins (renamed methods).
PROBES = (
    Probe("landmarks.detect", "pipeline.people.landmarks", "FaceDetector.detect"),
    Probe("landmarks.face", "pipeline.people.landmarks", "LandmarkModel.face"),
    Probe("landmarks.hands", "pipeline.people.landmarks", "LandmarkModel.all_hands"),
    Probe("landmarks.hands", "pipeline.people.landmarks", "LandmarkModel.hands"),
    Probe("series", "pipeline.people.track", "Tracker.series", memory=True),
    Probe("signals", "pipeline.attention.signals", "compute_signals", memory=True),
    Probe("states", "pipeline.attention.calibrate", "classify", memory=True),
    Probe("aggregate", "pipeline.verdict.aggregate", "aggregate", memory=True),
    Probe("result", "pipeline.analyze", "build_result", memory=True),
    Probe("outputs.csv", "pipeline.outputs.output", "frames_csv", memory=True),
    Probe("outputs.json", "pipeline.outputs.output", "to_json", memory=True),
    Probe("report", "pipeline.outputs.report", "render_report", memory=True),
)


@dataclass
class Clock:
    """Seconds spent per label, accumulated; calls per label."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    peak_mb: dict[str, float] = field(default_factory=dict)
    # The peak RSS since the previous reset, read just before the first call of a label
    # resets it: before `series`, the peak of the decode + landmarks loop.
    peak_before_mb: dict[str, float] = field(default_factory=dict)

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] = self.seconds.get(label, 0.0) + seconds
        self.calls[label] = self.calls.get(label, 0) + 1

    def wrap(self, label: str, fn: Callable[..., Any], memory: bool) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if memory:
                self.peak_before_mb.setdefault(label, status_mb("VmHWM"))
            tracked = memory and reset_peak()
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter() - started)
                if tracked:
                    peak = status_mb("VmHWM")
                    self.peak_mb[label] = max(self.peak_mb.get(label, 0.0), peak)

        return timed


@dataclass
class StageProgress:
    """First time each stage name is reported by `on_progress`, in report order."""

    started: float = field(default_factory=time.perf_counter)
    first_s: dict[str, float] = field(default_factory=dict)

    def __call__(self, stage: str, fraction: float) -> None:
        self.first_s.setdefault(stage, time.perf_counter() - self.started)

    def durations(self, total_s: float) -> dict[str, float]:
        marks = [("start", 0.0), *sorted(self.first_s.items(), key=lambda kv: kv[1])]
        ends = [s for _, s in marks[1:]] + [total_s]
        return {f"progress.{name}": end - s for (name, s), end in zip(marks, ends, strict=True)}


def _resolve(probe: Probe) -> tuple[Any, str, Any] | None:
    """(owner, attribute, current value) of a probe, None if it does not exist."""
    try:
        owner: Any = importlib.import_module(probe.module)
    except ImportError:
        return None
    *path, attr = probe.name.split(".")
    for part in path:
        owner = getattr(owner, part, None)
    if owner is None or not hasattr(owner, attr):
        return None
    return owner, attr, getattr(owner, attr)


@contextmanager
def _patched(owner: Any, attr: str, value: Any) -> Iterator[None]:
    saved = getattr(owner, attr)
    setattr(owner, attr, value)
    try:
        yield
    finally:
        setattr(owner, attr, saved)


def _patch_everywhere(stack: ExitStack, original: Any, wrapped: Any) -> None:
    # A function imported by name (`from pipeline.attention.signals import compute_signals`)
    # is looked up in the importing module, so every pipeline module holding it gets the wrapper.
    for name, module in list(sys.modules.items()):
        if not name.startswith("pipeline"):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                stack.enter_context(_patched(module, attr, wrapped))


def _install(stack: ExitStack, clock: Clock) -> None:
    done: set[str] = set()
    for probe in PROBES:
        if probe.label in done:
            continue
        found = _resolve(probe)
        if found is None:
            continue
        owner, attr, original = found
        wrapped = clock.wrap(probe.label, original, probe.memory)
        stack.enter_context(_patched(owner, attr, wrapped))
        if "." not in probe.name:
            _patch_everywhere(stack, original, wrapped)
        done.add(probe.label)


def _timed_frames(frames: Generator[Frame, None, None], clock: Clock) -> Iterator[Frame]:
    try:
        while True:
            started = time.perf_counter()
            frame = next(frames, None)
            clock.add("landmarks.wait_for_frame", time.perf_counter() - started)
            if frame is None:
                return
            yield frame
    finally:
        frames.close()


def _install_frame_wait(stack: ExitStack, clock: Clock) -> None:
    original = decode.iter_frames

    def iter_frames(*args: Any, **kwargs: Any) -> Iterator[Frame]:
        return _timed_frames(original(*args, **kwargs), clock)

    stack.enter_context(_patched(decode, "iter_frames", iter_frames))


def run_stages(video: Path, config: PipelineConfig | None = None) -> dict[str, dict[str, Any]]:
    """Times decoding alone, then one full `analyze_video` of `video` stage by stage.

    Returns:
        `seconds` by label (`decode`, `analysis`, `progress.<stage>`, the probes' labels),
        `calls` by label (`decode` counts the sampled frames), `peak_mb` (peak RSS inside
        each stage probed for memory) and `peak_before_mb` (peak RSS since the start of the
        analysis or the previous such stage, read as each one begins).
    """
    config = config or PipelineConfig()
    clock = Clock()
    started = time.perf_counter()
    frames = sum(1 for _ in decode.iter_frames(video, config.fps))
    clock.add("decode", time.perf_counter() - started)
    clock.calls["decode"] = frames
    progress = StageProgress()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="cuewatch-stages-") as out:
        _install(stack, clock)
        _install_frame_wait(stack, clock)
        reset_peak()
        progress.started = started = time.perf_counter()
        analyze_video(video, out, config, on_progress=progress)
        clock.add("analysis", time.perf_counter() - started)
    return {
        "seconds": clock.seconds | progress.durations(clock.seconds["analysis"]),
        "calls": clock.calls,
        "peak_mb": clock.peak_mb,
        "peak_before_mb": clock.peak_before_mb,
    }

"""How the stages after the landmarks scale with the length of a recording.

A real landmark recording (`tests/data/landmarks/*.npz`, made by `make recordings`) is played
forward and backward, like the bench video, to each requested length at its own frame rate;
then signals, states, aggregate and the frames.csv text run on it in this process, each
timed, with the RSS it adds at its peak (`VmHWM` reset before each stage). No video and no
model are involved, so a 30- or 60-minute case takes seconds, not an hour.

    .venv/bin/python benchmarks/series_scaling.py [--minutes 3 10 30] [--recording NPZ]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from memory import reset_peak, status_mb

from pipeline.attention.calibrate import classify
from pipeline.attention.signals import compute_signals
from pipeline.config import PipelineConfig
from pipeline.outputs import output
from pipeline.types import LandmarkSeries, Participant
from pipeline.verdict import aggregate

RECORDINGS = Path(__file__).resolve().parents[1] / "tests" / "data" / "landmarks"
DEFAULT_RECORDING = RECORDINGS / "interview_woman_talking.npz"
FULL_FRAME = (0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class StageCost:
    seconds: float
    added_mb: float


def measure(fn: Callable[[], Any]) -> tuple[Any, StageCost]:
    """Runs `fn`, returning its result, its seconds and the RSS it added at its peak."""
    reset_peak()
    before = status_mb("VmRSS")
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    return result, StageCost(seconds, status_mb("VmHWM") - before)


def pingpong_series(source: LandmarkSeries, minutes: float) -> LandmarkSeries:
    """`source` played forward and backward to `minutes`, retimed at its own frame step."""
    step_ms = float(np.median(np.diff(source.timestamp_ms))) if len(source) > 1 else 200.0
    total = round(minutes * 60_000 / step_ms)
    period = max(1, 2 * len(source) - 2)
    k = np.arange(total) % period
    idx = np.where(k < len(source), k, period - k)
    times = np.round(np.arange(total) * step_ms).astype(np.int64)
    return LandmarkSeries(times, source.face[idx], source.hands[idx], source.image_wh)


def run_stages(series: LandmarkSeries, config: PipelineConfig) -> dict[str, StageCost]:
    costs: dict[str, StageCost] = {}
    signals, costs["signals"] = measure(lambda: compute_signals(series, config))
    states, costs["states"] = measure(lambda: classify(signals, config))
    duration_ms = int(series.timestamp_ms[-1])
    agg, costs["aggregate"] = measure(
        lambda: aggregate.aggregate(signals, states, config, duration_ms)
    )
    person = Participant("p0", "interviewer", FULL_FRAME, signals, states, agg.note_taking)
    _, costs["frames.csv"] = measure(lambda: output.frames_csv([person]))
    return costs


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--minutes", type=float, nargs="+", default=[3.0, 10.0, 30.0])
    p.add_argument("--recording", type=Path, default=DEFAULT_RECORDING)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    source = LandmarkSeries.load(args.recording)
    config = PipelineConfig()
    print(f"recording {args.recording.name}: {len(source)} frames, replayed ping-pong")
    print(f"{'minutes':>8} {'frames':>7}  stage        seconds  added MB at peak")
    for minutes in args.minutes:
        series = pingpong_series(source, minutes)
        for stage, cost in run_stages(series, config).items():
            print(
                f"{minutes:>8g} {len(series):>7}  {stage:<12} {cost.seconds:>7.2f}"
                f"  {cost.added_mb:>8.0f}"
            )
        del series
    return 0


if __name__ == "__main__":
    sys.exit(main())

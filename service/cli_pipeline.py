"""The pipeline subcommands of `cuewatch`: analyze, record, eval."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy.typing as npt

from pipeline.config import PipelineConfig
from pipeline.types import DecodeError


class Progress:
    """Progress on stderr: a redrawn bar on a terminal, a line every few seconds otherwise."""

    def __init__(self, label: str, stream: TextIO = sys.stderr) -> None:
        self.label, self.stream = label, stream
        self.tty = stream.isatty()
        self._last = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if self.tty:
            bar = "#" * int(fraction * 30)
            self.stream.write(f"\r{self.label} {stage:<10} [{bar:<30}] {fraction:4.0%}")
            self.stream.flush()
        elif now - self._last >= 2.0 or fraction >= 1.0:
            self.stream.write(f"{self.label}: {stage} {fraction:.0%}\n")
            self._last = now

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _config(args: argparse.Namespace) -> PipelineConfig:
    overrides: dict[str, Any] = {}
    if getattr(args, "fps", None):
        overrides["fps"] = float(args.fps)
    if getattr(args, "hands_every", None) is not None:
        overrides["hands_every_n_frames"] = max(0, int(args.hands_every))
    if getattr(args, "window_s", None):
        overrides["window_ms"] = int(args.window_s * 1000)
    return PipelineConfig(**overrides)


def _fail(message: str) -> int:
    print(f"cuewatch: {message}", file=sys.stderr)
    return 2


def _warn(message: str) -> None:
    print(f"cuewatch: warning: {message}", file=sys.stderr)


def analyze(args: argparse.Namespace) -> int:
    """`cuewatch analyze VIDEO --out DIR`: writes the outputs, prints a short summary."""
    from pipeline.analyze import analyze_video
    from service.cli_verbal import read_transcript, verbal_line

    progress = Progress(Path(args.video).name)
    # The report's player finds the recording where it is; nothing is copied.
    href = os.path.relpath(Path(args.video).resolve(), Path(args.out).resolve())
    try:
        transcript = read_transcript(args.transcript, args.speaker) if args.transcript else None
        result = analyze_video(
            args.video,
            args.out,
            _config(args),
            participant=args.participant,
            annotate=args.annotate,
            on_progress=progress,
            on_warning=_warn,
            video_href=href,
            transcript=transcript,
            interviewer_speaker=args.speaker,
        )
    except (DecodeError, ValueError) as exc:
        progress.done()
        return _fail(str(exc))
    progress.done()
    _print_summary(result, Path(args.out))
    if line := verbal_line(result):
        print(line)
    return 0


def _print_summary(result: dict[str, Any], out: Path) -> None:
    summary = result.get("summary") or {}
    media = result["media"]
    print(f"analysed {media['frames_analysed']} frames over {media['duration_ms'] / 1000:.1f} s")
    if summary.get("headline"):
        print(summary["headline"])
    score = summary.get("disengagement_score")
    if score is not None:
        print(f"disengagement score: {score}")
    print(f"wrote {out / 'result.json'}, {out / 'frames.csv'}, {out / 'report.html'}")


def record(args: argparse.Namespace) -> int:
    """`cuewatch record VIDEO OUT.npz`: saves the chosen participant's landmarks (no pixels)."""
    from pipeline.analyze import locate_and_record
    from pipeline.people.record import Hooks

    progress = Progress(Path(args.video).name)
    try:
        rec, chosen = locate_and_record(
            args.video, _config(args), args.participant, Hooks(progress, None, _warn)
        )
    except (DecodeError, ValueError) as exc:
        progress.done()
        return _fail(str(exc))
    progress.done()
    person = rec.people[chosen]
    person.series.save(args.out)
    seen = float(person.series.face_present.mean()) if len(person.series) else 0.0
    box = ",".join(f"{v:.3f}" for v in person.box_xywh)
    print(
        f"wrote {args.out}: {len(person.series)} frames of participant {chosen} "
        f"(of {len(rec.people)}, box {box}), face in {seen:.0%}"
    )
    return 0


def evaluate(args: argparse.Namespace) -> int:
    """`cuewatch eval DATA_DIR`: scores the states against the labelled clips."""
    from pipeline.evaluation import evaluate as ev

    config = _config(args)
    cache = Path(args.cache) if args.cache else None

    def predict(label: ev.LabelFile) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        return _predict(label, config, cache)

    def on_clip(name: str, i: int, n: int) -> None:
        print(f"[{i + 1}/{n}] {name}", file=sys.stderr)

    data_dir = Path(args.data_dir)
    if not (data_dir / "labels").is_dir():
        return _fail(f"no labels/ folder in {str(data_dir)!r}")
    report = ev.run_eval(data_dir, predict, on_clip)
    print(ev.format_report(report))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(ev.report_to_json(report), indent=1))
    return 0


def _predict(label: Any, config: PipelineConfig, cache: Path | None) -> tuple[Any, Any]:
    from pipeline.analyze import analyse_series, locate_and_record
    from pipeline.people.record import Hooks
    from pipeline.types import LandmarkSeries

    cached = cache / f"{label.name}.npz" if cache else None
    if cached is not None and cached.exists():
        series = LandmarkSeries.load(cached)
    else:
        box = label.participant_box
        spec = "auto" if box is None else ",".join(str(v) for v in box)
        rec, chosen = locate_and_record(label.video, config, spec, Hooks())
        series = rec.people[chosen].series
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            series.save(cached)
    states = analyse_series(series, config).person.states
    return states.timestamp_ms, states.attention

"""The pipeline subcommands of `cuewatch`: analyze, record (eval and fit: cli_eval)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

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
    from pipeline.audio.listen import listen
    from service.cli_verbal import read_transcript, verbal_line

    progress = Progress(Path(args.video).name)
    # The report's player finds the recording where it is; nothing is copied.
    href = os.path.relpath(Path(args.video).resolve(), Path(args.out).resolve())
    try:
        config = _config(args)  # refuses a setting no stage can work with (ValueError)
        transcript = read_transcript(args.transcript, args.speaker) if args.transcript else None
        # The sound first: it decodes on the other CPU while this one loads the models'
        # modules (0.5 s here, with that CPU otherwise idle).
        heard = listen(args.video, _warn)
        from pipeline.analyze import analyze_video

        result = analyze_video(
            args.video,
            args.out,
            config,
            listening=heard,
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

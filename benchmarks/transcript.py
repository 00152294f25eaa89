"""What a transcript adds to the analysis of a long call (issue 14: under 5%, memory flat).

Builds a transcript as long as the call from the development set's written interviews (their
cues one after another, times shifted), then in one run:

- the transcript's own work in this process, fastest of `--repeat`: parse, signs, events,
  advice, the `verbal` block and the report's transcript panel; its peak Python allocation;
- with `--analyze`: `cuewatch analyze` on the bench's long recording, interleaved rounds with
  and without `--transcript`, fastest of each: wall time, CPU time and peak RSS of the child.

Prints the figures and the ratios against the analysis without a transcript measured in the
same run. Nothing here asserts on speed.

    .venv/bin/python benchmarks/transcript.py [--minutes 30] [--analyze] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import cli_run
from longvideo import ensure_long_video

from pipeline.config import PipelineConfig
from pipeline.outputs.report_transcript import transcript_panel
from pipeline.transcript.parse import parse_transcript
from pipeline.transcript.verbal import analyze_verbal
from pipeline.verdict.verbal import verbal_advice, verbal_events, verbal_json

LABELS = Path(__file__).resolve().parents[1] / "tests" / "data" / "transcripts" / "labels"


def _clock(ms: int) -> str:
    s, milli = divmod(ms, 1000)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{milli:03d}"


def long_transcript(minutes: float) -> str:
    """A Zoom WebVTT transcript of at least `minutes`, from the labelled interviews in turn."""
    files = sorted(LABELS.glob("*.json"))
    cues, offset, i = [], 0, 0
    while offset < minutes * 60_000:
        label = json.loads(files[i % len(files)].read_text(encoding="utf-8"))
        for u in label["utterances"]:
            start, end = offset + u["start_ms"], offset + u["end_ms"]
            cues.append(f"{_clock(start)} --> {_clock(end)}\n{u['speaker']}: {u['text']}")
        offset += label["utterances"][-1]["end_ms"] + 1000
        i += 1
    # Stop at the call's end, as an export of that call would.
    kept = [c for c in cues if c[17:29] <= _clock(int(minutes * 60_000))]
    blocks = [f"{n}\n{c}" for n, c in enumerate(kept, start=1)]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def transcript_work(text: str, duration_ms: int) -> int:
    """Everything the analysis does with a transcript; returns the number of cues."""
    config = PipelineConfig()
    verbal = analyze_verbal(parse_transcript(text, "bench.vtt"), config)
    events = verbal_events(verbal, duration_ms, config)
    verbal_advice(verbal, events, config)
    block = verbal_json(verbal)
    json.dumps(block)
    transcript_panel(block)
    return len(verbal.utterances)


def time_in_process(text: str, duration_ms: int, repeat: int) -> tuple[float, int, float]:
    """(fastest seconds, cues, peak traced MB) of `transcript_work`."""
    best = float("inf")
    cues = 0
    for _ in range(repeat):
        started = time.perf_counter()
        cues = transcript_work(text, duration_ms)
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    transcript_work(text, duration_ms)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, cues, peak


def compare_analyses(minutes: float, path: Path, repeat: int) -> None:
    video = ensure_long_video(minutes)
    plain, with_t = [], []
    for _ in range(repeat):
        plain.append(cli_run.analyze(video))
        with_t.append(cli_run.analyze(video, ("--transcript", str(path))))
    for run in (*plain, *with_t):
        if run.returncode != 0:
            sys.exit(f"cuewatch analyze failed: {run.stderr_tail}")
    a, b = min(plain, key=lambda r: r.wall_s), min(with_t, key=lambda r: r.wall_s)
    print(
        f"analyze, no transcript  : {a.wall_s:6.1f} s wall, {a.cpu_s:6.1f} s CPU, "
        f"{a.peak_rss_mb:5.0f} MB peak RSS (fastest of {repeat})"
    )
    print(
        f"analyze, with transcript: {b.wall_s:6.1f} s wall, {b.cpu_s:6.1f} s CPU, "
        f"{b.peak_rss_mb:5.0f} MB peak RSS (fastest of {repeat})"
    )
    print(
        f"ratio with/without: wall {b.wall_s / a.wall_s:.3f}, CPU {b.cpu_s / a.cpu_s:.3f}, "
        f"peak RSS {b.peak_rss_mb / a.peak_rss_mb:.3f}"
    )
    print(
        "all rounds, wall s: without "
        + ", ".join(f"{r.wall_s:.1f}" for r in plain)
        + "; with "
        + ", ".join(f"{r.wall_s:.1f}" for r in with_t)
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--analyze", action="store_true", help="also time cuewatch analyze")
    args = p.parse_args(argv)
    text = long_transcript(args.minutes)
    duration_ms = int(args.minutes * 60_000)
    seconds, cues, peak = time_in_process(text, duration_ms, args.repeat)
    print(f"transcript: {cues} cues, {len(text) / 1024:.0f} KiB over {args.minutes:g} min")
    print(
        f"transcript work in process: {seconds * 1000:.0f} ms (fastest of {args.repeat}), "
        f"peak Python allocation {peak:.1f} MB"
    )
    if args.analyze:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "call.vtt"
            path.write_text(text, encoding="utf-8")
            compare_analyses(args.minutes, path, args.repeat)


if __name__ == "__main__":
    main()

"""The transcript side of `cuewatch`: `eval-verbal DIR`, and `analyze --transcript FILE`."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.config import PipelineConfig
from pipeline.evaluation.verbal import (
    cross_validated,
    error_lines,
    format_table,
    run_verbal_eval,
    sign_scores,
)
from pipeline.transcript.parse import parse_transcript
from pipeline.transcript.utterances import Transcript, TranscriptError
from pipeline.transcript.verbal import choose_interviewer


def eval_verbal(args: argparse.Namespace) -> int:
    """Print the per-sign table (and, with --errors, every cue scored wrong); exit 2 on bad
    input with a one-line reason."""
    data_dir = Path(args.data_dir)
    if not (data_dir / "labels").is_dir():
        print(f"cuewatch: no labels/ folder in {str(data_dir)!r}", file=sys.stderr)
        return 2
    try:
        results = run_verbal_eval(data_dir, PipelineConfig())
        held_out, chosen = cross_validated(data_dir, PipelineConfig()) if args.cv else ([], {})
    except (TranscriptError, OSError) as exc:
        print(f"cuewatch: {exc}", file=sys.stderr)
        return 2
    print(format_table(results))
    if args.cv:
        values = ", ".join(f"{v:g} ({n})" for v, n in sorted(Counter(chosen.values()).items()))
        print(f"\ncross-validated by transcript (follow_up_min_score chosen: {values}):")
        print(format_table(held_out))
    if args.errors:
        print("\n".join(error_lines(results)))
    if args.json_out:
        scores = {
            sign: {k: (None if math.isnan(v) else v) for k, v in s.items()}
            for sign, s in sign_scores(results).items()
        }
        Path(args.json_out).write_text(json.dumps(scores, indent=1) + "\n", encoding="utf-8")
    return 0


def read_transcript(path: str, interviewer_speaker: str | None) -> Transcript:
    """The transcript at `path`, parsed and checked for the named interviewer before the
    (long) video analysis starts.

    Raises:
        TranscriptError: the file is missing, unreadable, not a transcript, or lacks the speaker.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise TranscriptError(f"cannot read transcript '{path}': {exc.strerror}") from exc
    transcript = parse_transcript(raw, Path(path).name)
    choose_interviewer(transcript, interviewer_speaker)
    return transcript


def verbal_line(result: dict[str, Any]) -> str | None:
    """One line about what the transcript showed, for the CLI summary."""
    verbal = result.get("verbal")
    if not verbal:
        return None
    s = verbal["summary"]
    return (
        f"transcript ({verbal['interviewer_speaker']}, chosen by "
        f"{verbal['interviewer_chosen_by']}): {s['questions']} questions, "
        f"{s['follow_ups']} follow-ups, {s['logistics']} logistics, {s['selling']} selling, "
        f"{s['career_advice']} career advice"
    )

"""`cuewatch eval-verbal DIR`: per-sign precision, recall and F1 on labelled transcripts."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from pipeline.config import PipelineConfig
from pipeline.evaluation.verbal import error_lines, format_table, run_verbal_eval, sign_scores
from pipeline.transcript.utterances import TranscriptError


def eval_verbal(args: argparse.Namespace) -> int:
    """Print the per-sign table (and, with --errors, every cue scored wrong); exit 2 on bad
    input with a one-line reason."""
    data_dir = Path(args.data_dir)
    if not (data_dir / "labels").is_dir():
        print(f"cuewatch: no labels/ folder in {str(data_dir)!r}", file=sys.stderr)
        return 2
    try:
        results = run_verbal_eval(data_dir, PipelineConfig())
    except (TranscriptError, OSError) as exc:
        print(f"cuewatch: {exc}", file=sys.stderr)
        return 2
    print(format_table(results))
    if args.errors:
        print("\n".join(error_lines(results)))
    if args.json_out:
        scores = {
            sign: {k: (None if math.isnan(v) else v) for k, v in s.items()}
            for sign, s in sign_scores(results).items()
        }
        Path(args.json_out).write_text(json.dumps(scores, indent=1) + "\n", encoding="utf-8")
    return 0

"""Score the verbal signs against labelled transcripts (ARCHITECTURE section 6 label format).

A labels folder `DIR/labels/*.json` names each transcript (`file`, relative to DIR), its
interviewer, and the signs of every cue; cues whose signs include "ambiguous" are not scored.
The signs are found with the labelled interviewer named, so that sign errors and speaker
errors are counted apart (`speaker_correct` says whether inference alone found them).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.config import PipelineConfig
from pipeline.transcript.parse import parse_transcript
from pipeline.transcript.utterances import SIGNS, TranscriptError
from pipeline.transcript.verbal import analyze_verbal, choose_interviewer

AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class CueResult:
    """One scored interviewer cue: its text, labelled and predicted signs."""

    file: str
    cue: int
    text: str
    truth: frozenset[str]
    predicted: frozenset[str]


@dataclass(frozen=True)
class FileResult:
    file: str
    format: str
    speaker_correct: bool
    cues: tuple[CueResult, ...]


def load_label(path: Path) -> dict[str, Any]:
    """A label file, checked for the keys scoring needs.

    Raises:
        TranscriptError: the file is not JSON or lacks `file`, `interviewer` or `utterances`.
    """
    try:
        label = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"label file '{path}' is not valid JSON: {exc}") from exc
    missing = [k for k in ("file", "interviewer", "utterances") if k not in label]
    if missing:
        raise TranscriptError(f"label file '{path}' lacks {', '.join(missing)}")
    return dict(label)


def score_file(data_dir: Path, label: dict[str, Any], config: PipelineConfig) -> FileResult:
    """Find the signs of one labelled transcript and pair them with the labels.

    Raises:
        TranscriptError: the transcript does not parse, or its cues differ from the labels'.
    """
    path = data_dir / label["file"]
    transcript = parse_transcript(path.read_bytes(), label["file"])
    labelled = label["utterances"]
    if [u.text for u in transcript.utterances] != [u["text"] for u in labelled]:
        raise TranscriptError(f"labels of '{label['file']}' do not match its cues")
    verbal = analyze_verbal(transcript, config, label["interviewer"])
    inferred, _ = choose_interviewer(transcript, None)
    cues = tuple(
        CueResult(
            label["file"],
            s.utterance.cue,
            s.utterance.text,
            frozenset(truth["signs"]),
            frozenset(s.signs),
        )
        for s, truth in zip(verbal.utterances, labelled, strict=True)
        if s.role == "interviewer" and AMBIGUOUS not in truth["signs"]
    )
    return FileResult(
        label["file"], transcript.format, inferred == verbal.interviewer_speaker, cues
    )


def run_verbal_eval(data_dir: Path, config: PipelineConfig) -> list[FileResult]:
    """Score every labelled transcript under `data_dir/labels`.

    Raises:
        TranscriptError: no label files, or one that cannot be scored.
    """
    paths = sorted((data_dir / "labels").glob("*.json"))
    if not paths:
        raise TranscriptError(f"no label files in '{data_dir / 'labels'}'")
    return [score_file(data_dir, load_label(p), config) for p in paths]


def sign_scores(results: list[FileResult]) -> dict[str, dict[str, float]]:
    """Per-sign support, true/false positives, false negatives, precision, recall and F1."""
    cues = [c for r in results for c in r.cues]
    return {sign: _scores(cues, sign) for sign in SIGNS}


def _scores(cues: list[CueResult], sign: str) -> dict[str, float]:
    tp = sum(sign in c.truth and sign in c.predicted for c in cues)
    fp = sum(sign not in c.truth and sign in c.predicted for c in cues)
    fn = sum(sign in c.truth and sign not in c.predicted for c in cues)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return {
        "support": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def format_table(results: list[FileResult]) -> str:
    """The per-sign table and the counts it is over, as printed by `cuewatch eval-verbal`."""
    scores = sign_scores(results)
    cues = sum(len(r.cues) for r in results)
    lines = [f"{'sign':<14} {'support':>7} {'precision':>9} {'recall':>7} {'F1':>6}"]
    for sign, s in scores.items():
        lines.append(
            f"{sign:<14} {s['support']:>7.0f} {s['precision']:>9.3f} "
            f"{s['recall']:>7.3f} {s['f1']:>6.3f}"
        )
    found = sum(r.speaker_correct for r in results)
    lines.append(
        f"{len(results)} transcripts, {cues} scored interviewer utterances; "
        f"interviewer inferred correctly in {found}/{len(results)}"
    )
    return "\n".join(lines)


def error_lines(results: list[FileResult]) -> list[str]:
    """One line per cue whose predicted signs differ from its labels."""
    return [
        f"{c.file}#{c.cue}: labelled {sorted(c.truth)} found {sorted(c.predicted)}: {c.text}"
        for r in results
        for c in r.cues
        if c.truth != c.predicted
    ]


# The follow-up threshold is the one value chosen against these labels (the phrase lists were
# written by hand); these are the values tried.
FOLLOW_UP_GRID = (1.0, 1.5, 2.0, 2.5, 3.0)


def _f1(results: list[FileResult], sign: str) -> float:
    f1 = sign_scores(results)[sign]["f1"]
    return 0.0 if math.isnan(f1) else f1  # no support and nothing found counts as 0


def cross_validated(
    data_dir: Path, config: PipelineConfig, grid: tuple[float, ...] = FOLLOW_UP_GRID
) -> tuple[list[FileResult], dict[str, float]]:
    """Leave-one-transcript-out: each transcript is scored with the follow-up threshold that
    does best on all the others.

    Returns:
        (each transcript's held-out results, the threshold chosen for it by file name).
    """
    by_value = {v: run_verbal_eval(data_dir, replace(config, follow_up_min_score=v)) for v in grid}
    held_out: list[FileResult] = []
    chosen: dict[str, float] = {}
    for i, name in enumerate(r.file for r in by_value[grid[0]]):
        # Ties go to the value nearest the configured one.
        best = max(
            grid,
            key=lambda v: (
                _f1([r for j, r in enumerate(by_value[v]) if j != i], "follow_up"),
                -abs(v - config.follow_up_min_score),
            ),
        )
        chosen[name] = best
        held_out.append(by_value[best][i])
    return held_out, chosen

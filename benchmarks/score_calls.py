"""Scores the conversation (who speaks when) on generated calls (`make calls`).

Analyses every `NAME.mp4` with a `NAME.truth.json` beside it in DIR (judging the truth's
interviewer), and music/hum-only clips of the shared data, then prints per call and pooled:
speech time given to the right speaker, gap time given to nobody (music gaps alone too),
questions and answers found as turns with both bounds within 1 s, and speech found on the
music-only clips.

    .venv/bin/python benchmarks/score_calls.py DIR [--data ../shared/data] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.analyze import analyze_video
from pipeline.evaluation.speech import pooled, score_call

# Clips whose whole track is music (checked with both detectors: README, "The conversation").
MUSIC_ONLY = ("hd_s18_lens_gaze.mp4", "selfie_d14_eye_shifts.mp4")


def analyse(video: Path, participant: str = "auto") -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out:
        return analyze_video(video, out, participant=participant)


def score_dir(folder: Path) -> dict[str, dict[str, Any]]:
    scores = {}
    for truth_path in sorted(folder.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text())
        box = ",".join(str(v) for v in truth["boxes"]["interviewer"])
        result = analyse(folder / truth["video"], box)
        scores[truth_path.name.removesuffix(".truth.json")] = score_call(result, truth)
    return scores


def music_speech_ms(data: Path) -> dict[str, int]:
    out = {}
    for name in MUSIC_ONLY:
        segments = analyse(data / "videos" / name)["speech"]["segments"]
        out[name] = sum(s["end_ms"] - s["start_ms"] for s in segments)
    return out


def _line(name: str, s: dict[str, Any]) -> str:
    return (
        f"{name:32s} speech right {s['speech_right']:.3f}  gaps clear {s['gap_clear']:.3f}"
        f"  music clear {s['music_clear']:.3f}  turns {s['turns_found']}/{s['turns']}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("dir", type=Path)
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    scores = score_dir(args.dir)
    for name, s in scores.items():
        print(_line(name, s))
    total = pooled(list(scores.values()))
    print(_line("pooled", total))
    music = music_speech_ms(args.data)
    for name, ms in music.items():
        print(f"music only: {name}: {ms} ms of speech")
    if args.json:
        args.json.write_text(
            json.dumps({"calls": scores, "pooled": total, "music_only_ms": music}, indent=1)
        )


if __name__ == "__main__":
    main()

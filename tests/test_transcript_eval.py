"""`cuewatch eval-verbal` and the development set's files staying what their sources render."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from service.cli import main

TRANSCRIPTS = Path(__file__).resolve().parent / "data" / "transcripts"


def test_committed_files_are_what_their_sources_render() -> None:
    spec = importlib.util.spec_from_file_location("render", TRANSCRIPTS / "render.py")
    assert spec and spec.loader
    render = importlib.util.module_from_spec(spec)
    sys.modules["render"] = render
    spec.loader.exec_module(render)
    sources = render.sources()
    assert len(sources) >= 31
    for source in sources:
        for path, text in render.outputs(source).items():
            assert path.read_text(encoding="utf-8") == text, f"re-run render.py for {path}"


def test_eval_verbal_prints_the_per_sign_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.json"
    assert main(["eval-verbal", str(TRANSCRIPTS), "--json", str(out), "--errors"]) == 0
    printed = capsys.readouterr().out
    header, *rows = printed.splitlines()
    assert header.split() == ["sign", "support", "precision", "recall", "F1"]
    assert [r.split()[0] for r in rows[:5]] == [
        "question",
        "follow_up",
        "logistics",
        "selling",
        "career_advice",
    ]
    assert "27 transcripts" in rows[5]
    scores = json.loads(out.read_text())
    assert scores["question"]["support"] >= 100
    assert float(rows[0].split()[4]) == pytest.approx(scores["question"]["f1"], abs=5e-4)


def test_eval_verbal_without_labels_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval-verbal", str(tmp_path)]) == 2
    assert "no labels/ folder" in capsys.readouterr().err


def test_eval_verbal_refuses_labels_that_do_not_match_their_transcript(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "labels").mkdir()
    shutil.copy(TRANSCRIPTS / "srt_nurse_mixed.srt", tmp_path)
    label = json.loads((TRANSCRIPTS / "labels" / "srt_nurse_mixed.json").read_text())
    label["utterances"][3]["text"] = "something else"
    (tmp_path / "labels" / "srt_nurse_mixed.json").write_text(json.dumps(label))
    assert main(["eval-verbal", str(tmp_path)]) == 2
    assert "do not match its cues" in capsys.readouterr().err


def test_eval_verbal_cross_validates_the_fitted_threshold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["eval-verbal", str(TRANSCRIPTS), "--cv"]) == 0
    printed = capsys.readouterr().out
    _, cv = printed.split("\ncross-validated by transcript (follow_up_min_score chosen: ")
    chosen, table = cv.split("):\n", 1)
    # Every fold names a value of the grid, and together they cover all 27 transcripts.
    counts = [int(part.split("(")[1].rstrip(")")) for part in chosen.split(", ")]
    assert sum(counts) == 27
    follow_up = next(r for r in table.splitlines() if r.startswith("follow_up"))
    assert float(follow_up.split()[4]) >= 0.85

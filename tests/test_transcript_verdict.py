"""Verbal events and advice on the shared timeline, from the development set's transcripts, and
`cuewatch analyze --transcript` end to end."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.config import PipelineConfig
from pipeline.transcript.parse import parse_transcript
from pipeline.transcript.verbal import Verbal, analyze_verbal
from pipeline.verdict.verbal import verbal_advice, verbal_events, verbal_json
from tests.conftest import shared_path
from tests.test_cli import cuewatch

TRANSCRIPTS = Path(__file__).resolve().parent / "data" / "transcripts"
# The written interviews are 2-6 minutes long; real ones run 20-60. These spans scale the
# "a long run of questions" and "a whole interview" thresholds down to them.
SHORT = replace(
    PipelineConfig(), verbal_no_follow_up_min_ms=60_000, verbal_logistics_min_transcript_ms=60_000
)


def _verbal(name: str, config: PipelineConfig = SHORT) -> Verbal:
    return analyze_verbal(parse_transcript((TRANSCRIPTS / name).read_bytes(), name), config)


def _types(name: str, config: PipelineConfig = SHORT) -> list[str]:
    return [e["type"] for e in verbal_events(_verbal(name, config), 10**7, config)]


@pytest.mark.parametrize(
    ("name", "types"),
    [
        # scripted: no follow-up at all, advice to look elsewhere, nothing about pay or steps
        (
            "teams_marketing_bad.vtt",
            ["no_follow_ups", *["career_advice_given"] * 3, "logistics_not_discussed"],
        ),
        # follow-ups throughout, logistics at the end: nothing to report
        ("zoom_backend_good.vtt", []),
        # follow-ups early, then a checklist of questions; logistics at the end
        ("json_finance_mixed.json", ["follow_ups_stopped"]),
    ],
)
def test_verbal_events(name: str, types: list[str]) -> None:
    assert sorted(_types(name)) == sorted(types)


def test_no_logistics_event_for_a_transcript_shorter_than_an_interview() -> None:
    assert "logistics_not_discussed" not in _types("teams_marketing_bad.vtt", PipelineConfig())


def test_advice_quotes_the_words_and_the_time() -> None:
    verbal = _verbal("srt_design_bad.srt")
    events = verbal_events(verbal, 10**7, SHORT)
    career = [e for e in events if "If I were you" in e["detail"]]
    cue = next(u.utterance for u in verbal.utterances if u.utterance.cue == career[0]["cue"])
    advice = verbal_advice(verbal, events, SHORT)
    first = next(a for a in advice if a["event_ids"] == [career[0]["id"]])
    assert first["at_ms"] == cue.start_ms
    assert first["text"].startswith("At 1:47 Martin Fowler-Beck offered career advice: ")
    assert (
        "\u201cIf I were you I'd apply to fintech startups first, they move faster"
        in (first["text"])
    )
    assert {a["strategy"] for a in advice} <= {
        "respond_in_moment",
        "change_strategy",
        "thank_you_note",
    }


def test_verbal_json_has_one_entry_per_cue_in_file_order() -> None:
    block = verbal_json(_verbal("teams_pm_good.vtt"))
    label = json.loads((TRANSCRIPTS / "labels" / "teams_pm_good.json").read_text())
    assert [u["cue"] for u in block["utterances"]] == list(range(1, len(label["utterances"]) + 1))
    assert [u["text"] for u in block["utterances"]] == [u["text"] for u in label["utterances"]]
    assert block["format"] == "teams_vtt"
    assert block["interviewer_chosen_by"] == "most_questions"
    assert block["interviewer_speaker"] == "Sofia Lindqvist"
    assert block["summary"]["questions"] == sum(
        "question" in u["signs"] for u in block["utterances"]
    )


SHORT_CALL = """WEBVTT

1
00:00:00.500 --> 00:00:03.000
Dana Reyes: Tell me about your last project.

2
00:00:03.200 --> 00:00:07.000
Sam Okafor: I rebuilt our billing service on Kafka so failed payouts could be replayed.

3
00:00:07.200 --> 00:00:10.000
Dana Reyes: How did the replay of failed payouts work?

4
00:00:10.200 --> 00:00:13.000
Dana Reyes: Honestly, you might be a better fit for our data team.
"""


@pytest.mark.mediapipe
def test_analyze_with_a_transcript_writes_the_verbal_block(tmp_path: Path) -> None:
    video = shared_path("videos/interview_woman_talking.mp4")
    (tmp_path / "call.vtt").write_text(SHORT_CALL)
    out = tmp_path / "out"
    run = cuewatch(
        "analyze", str(video), "--out", str(out), "--transcript", str(tmp_path / "call.vtt")
    )
    assert run.returncode == 0, run.stderr
    assert (
        "transcript (Dana Reyes, chosen by most_questions): 2 questions, 1 follow-ups" in run.stdout
    )
    result = json.loads((out / "result.json").read_text())
    signs = [u["signs"] for u in result["verbal"]["utterances"]]
    assert signs == [["question"], [], ["question", "follow_up"], ["career_advice"]]
    (advice_event,) = [e for e in result["events"] if e["type"] == "career_advice_given"]
    assert advice_event["id"].startswith("vb-") and advice_event["start_ms"] == 10_200
    assert any(advice_event["id"] in a["event_ids"] for a in result["advice"])
    report = (out / "report.html").read_text()
    assert "you might be a better fit for our data team" in report


@pytest.mark.parametrize(
    ("transcript", "extra", "reason"),
    [
        # the last cue ends 20 s after the 15.5 s recording
        (SHORT_CALL.replace("00:00:13.000", "00:00:35.000"), [], "does not fit the recording"),
        # the named interviewer is not a speaker of the transcript
        (SHORT_CALL, ["--interviewer-speaker", "Pat"], "'Pat' is not in the transcript"),
        # not a transcript at all
        ("just some notes\n", [], "is not WebVTT, SRT or JSON"),
    ],
)
@pytest.mark.mediapipe
def test_analyze_with_a_bad_transcript_exits_2(
    tmp_path: Path, transcript: str, extra: list[str], reason: str
) -> None:
    video = shared_path("videos/interview_woman_talking.mp4")
    (tmp_path / "call.vtt").write_text(transcript)
    args = ["analyze", str(video), "--out", str(tmp_path / "out"), "--transcript"]
    run = cuewatch(*args, str(tmp_path / "call.vtt"), *extra)
    assert run.returncode == 2
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("cuewatch: ") and reason in last
    assert not (tmp_path / "out" / "result.json").exists()

"""The verdict per answer: events and advice that point at the candidate's answers."""

from __future__ import annotations

from typing import Any

from pipeline.config import PipelineConfig
from pipeline.verdict.answers import answer_events, length_observation, name_answers, with_answers

CONFIG = PipelineConfig()


def turn(tid: str, a: int, b: int, role: str, screen: float = 1.0) -> dict[str, Any]:
    t: dict[str, Any] = {"id": tid, "start_ms": a, "end_ms": b, "speaker": "x", "role": role}
    if role == "candidate":
        t["interviewer"] = {
            "screen": screen,
            "down": 0.0,
            "away": 1 - screen,
            "closed": 0.0,
            "absent": 0.0,
            "note_taking": 0.0,
        }
    return t


TURNS = [
    turn("t1", 0, 10_000, "interviewer"),
    turn("t2", 12_000, 190_000, "candidate", screen=0.5),  # a 2 min 58 s answer
    turn("t3", 190_100, 200_000, "interviewer"),  # starts 0.1 s before... after it: no pause
    turn("t4", 203_000, 233_000, "candidate", screen=0.9),
]
AWAY = {
    "id": "ev-001",
    "type": "looking_away",
    "start_ms": 112_000,
    "end_ms": 125_000,
    "confidence": 0.9,
    "detail": "Looked to the side or up for 13 s.",
}


def test_attention_drop_inside_an_answer_names_it_and_how_far_into_it() -> None:
    found = answer_events([AWAY], TURNS, CONFIG)
    drop = next(e for e in found if e["type"] == "attention_drop_in_answer")
    assert (drop["start_ms"], drop["end_ms"], drop["answer"]) == (112_000, 125_000, "t2")
    assert drop["into_answer_ms"] == 100_000
    assert drop["detail"].startswith(
        "Attention left the screen 100 s into your answer at 0:12, 2 min 58 s long"
    )


def test_interviewer_starting_without_a_pause_speaks_over_the_answer() -> None:
    found = [
        e for e in answer_events([], TURNS, CONFIG) if e["type"] == "interviewer_spoke_over_answer"
    ]
    assert [(e["start_ms"], e["answer"]) for e in found] == [(190_100, "t2")]


def test_a_normal_pause_before_the_next_question_is_not_speaking_over() -> None:
    turns = [turn("t1", 0, 5_000, "candidate"), turn("t2", 5_600, 9_000, "interviewer")]
    assert answer_events([], turns, CONFIG) == []


def test_respond_advice_points_at_the_answer_in_progress() -> None:
    advice = [
        {"at_ms": 112_000, "strategy": "respond_in_moment", "text": "old", "event_ids": ["ev-001"]}
    ]
    (item,) = name_answers(advice, [AWAY], TURNS)
    assert item["answer"] == "t2"
    assert item["text"].startswith(
        "Your answer at 0:12, 2 min 58 s long: attention fell 100 s into it (1:52)"
    )


def test_thank_you_note_names_the_answers_of_its_events() -> None:
    advice = [
        {
            "at_ms": 233_000,
            "strategy": "thank_you_note",
            "text": "Restate.",
            "event_ids": ["ev-001"],
        }
    ]
    (item,) = name_answers(advice, [AWAY], TURNS)
    assert item["answers"] == ["t2"]
    assert item["text"] == "Restate. Those stretches fell in your answer at 0:12, 2 min 58 s long."


def test_advice_without_an_answer_before_it_is_unchanged() -> None:
    advice = [{"at_ms": 5_000, "strategy": "respond_in_moment", "text": "old", "event_ids": []}]
    assert name_answers(advice, [], TURNS) == advice


def test_long_answers_against_short_ones() -> None:
    got = length_observation(TURNS, CONFIG)
    assert got == {
        "count": 2,
        "longest_ms": 178_000,
        "median_ms": 178_000,
        "screen_share_long": 0.5,
        "screen_share_short": 0.9,
    }


def test_with_answers_numbers_new_events_after_the_others_and_sorts_by_start() -> None:
    result = {"events": [AWAY], "advice": [], "speech": {"turns": TURNS}}
    out = with_answers(result, CONFIG)
    assert [e["id"] for e in out["events"]] == ["ev-001", "ev-002", "ev-003"]
    assert [e["start_ms"] for e in out["events"]] == sorted(e["start_ms"] for e in out["events"])
    assert out["speech"]["answers"]["count"] == 2

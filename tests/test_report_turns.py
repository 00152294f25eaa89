"""The conversation in the report: turns under the timeline, the answers table, lengths."""

from __future__ import annotations

import re
from typing import Any

from pipeline.outputs.report import render_report
from pipeline.outputs.report_turns import answers_table, turns_svg

SHARES = {"screen": 0.5, "down": 0.1, "away": 0.4, "closed": 0.0, "absent": 0.0, "note_taking": 0.0}


def result_with(
    turns: list[dict[str, Any]], audio: str = "speech", **speech: Any
) -> dict[str, Any]:
    return {
        "media": {"duration_ms": 400_000},
        "summary": {"headline": "h"},
        "speech": {"audio": audio, "turns": turns, "talk_share": {}, **speech},
    }


TURNS = [
    {"id": "t1", "start_ms": 0, "end_ms": 8_000, "speaker": "p0", "role": "interviewer"},
    {
        "id": "t2",
        "start_ms": 10_000,
        "end_ms": 190_000,
        "speaker": "unseen",
        "role": "candidate",
        "interviewer": SHARES,
    },
    {"id": "t3", "start_ms": 191_000, "end_ms": 193_000, "speaker": "p2", "role": "other"},
]


def test_each_turn_is_a_bar_that_seeks_to_its_start() -> None:
    svg = turns_svg(result_with(TURNS))
    assert re.findall(r'class="turn seek" data-ms="(\d+)" data-role="(\w+)"', svg) == [
        ("0", "interviewer"),
        ("10000", "candidate"),
        ("191000", "other"),
    ]
    assert "not in the picture" in svg  # an unseen candidate says so in the bar's title


def test_answers_table_has_one_row_per_answer_with_the_interviewers_shares() -> None:
    html = answers_table(result_with(TURNS))
    assert html.count('class="seek answer"') == 1
    assert 'data-ms="10000"' in html and "<td>3 min</td>" in html
    assert "<td>50%</td><td>10%</td><td>40%</td>" in html


def test_answer_lengths_against_attention_are_an_observation() -> None:
    stats = {
        "count": 1,
        "longest_ms": 180_000,
        "median_ms": 180_000,
        "screen_share_long": 0.5,
        "screen_share_short": 0.9,
    }
    html = answers_table(result_with(TURNS, answers=stats))
    assert "1 answer; the longest 3 min, the median 3 min." in html
    assert "on the screen 50% of the time during answers of 2 minutes or more, 90%" in html


def test_without_sound_or_speech_the_page_says_why() -> None:
    assert "has no sound" in answers_table(result_with([], audio="no_audio"))
    assert "No speech was heard" in answers_table(result_with([], audio="no_speech"))
    assert turns_svg(result_with([], audio="no_audio")) == ""


def test_report_places_the_turns_under_the_timeline_and_the_answers_after() -> None:
    page = render_report(result_with(TURNS))
    assert page.index('id="timeline"') < page.index('id="turns"') < page.index('id="answers"')

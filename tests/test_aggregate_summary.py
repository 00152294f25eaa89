"""Summary (score, shares, trend, headline) and advice from hand-built sequences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pipeline.config import PipelineConfig
from pipeline.verdict.aggregate import Aggregate, aggregate
from pipeline.verdict.summary import fraction_words, trend
from tests.test_aggregate_factories import Segment, rhythm, signals_for, states_from, total_ms

CONFIG = PipelineConfig()
MIN = 60_000
# Words that claim feelings or intent; the product reports only what was seen.
FEELINGS = ("bored", "interest", "feel", "annoy", "distract", "engaged", "impress", "like you")


def _agg(segments: list[Segment], config: PipelineConfig = CONFIG) -> Aggregate:
    states = states_from(segments)
    return aggregate(signals_for(states), states, config, total_ms(segments))


def _scored(*scores: float | None) -> list[dict[str, Any]]:
    return [{"disengagement_score": s} for s in scores]


@pytest.mark.parametrize(
    ("share", "words"),
    [
        (0.33, "a third"),
        (0.5, "half"),
        (0.27, "a quarter"),
        (0.4, "40%"),
        (0.98, "98%"),  # not "all": something else did happen
        (0.996, "all"),
        (0.05, "5%"),
    ],
)
def test_fraction_words(share: float, words: str) -> None:
    assert fraction_words(share) == words


@pytest.mark.parametrize(
    ("windows", "direction", "change"),
    [
        (_scored(), "stable", 0.0),  # nothing scored
        (_scored(40.0), "stable", 0.0),  # one window has no trend
        (_scored(10, 10, 10, 30, 30, 30), "declining", 20.0),  # last third vs first third
        (_scored(50, None, 40, 20, 10, 10), "improving", -40.0),  # abstaining windows skipped
        (_scored(10, 14, 12, 16, 18, 19), "stable", 6.5),  # within window-to-window noise
    ],
)
def test_trend(windows: list[dict[str, Any]], direction: str, change: float) -> None:
    got = trend(windows, CONFIG)
    assert got["direction"] == direction
    np.testing.assert_allclose(got["change"], change, atol=0.05)


def test_summary_figures() -> None:
    agg = _agg([("screen", MIN), *rhythm(3), ("screen", 40_000), ("away", 30_000)])
    s = agg.summary
    np.testing.assert_allclose(sum(s["ratios"].values()), 1.0, atol=0.005)
    np.testing.assert_allclose(s["ratios"]["away"], 30 / 149, atol=0.001)
    np.testing.assert_allclose(s["note_taking_ratio"], 19 / 149, atol=0.001)
    assert 0 < s["disengagement_score"] < 100


def test_headline_names_the_behaviour_of_the_last_five_minutes() -> None:
    calm = [("screen", 5 * MIN)]
    tail = [("away", 10_000), ("screen", 20_000)] * 10  # a third away
    s = _agg(calm + tail).summary
    assert s["trend"]["direction"] == "declining"
    assert s["headline"].startswith("Looked away a third of the last five minutes, more than")


def test_headline_for_an_attentive_recording() -> None:
    s = _agg([("screen", 2 * MIN), *rhythm(4), ("screen", 2 * MIN), *rhythm(4)]).summary
    assert s["headline"] == "Looked at the screen or took notes all of the recording."
    assert s["trend"]["direction"] == "stable"


def test_headline_says_when_note_taking_stopped() -> None:
    # Notes from 2:00 for four looks, then a minute of plain listening.
    s = _agg([("screen", 2 * MIN), *rhythm(4), ("screen", MIN)]).summary
    assert s["headline"].startswith("Looked at the screen or took notes all of the recording")
    assert "; took notes until 2:" in s["headline"] and s["headline"].endswith("then stopped.")


def test_headline_when_too_little_face() -> None:
    s = _agg([("absent", 50_000), ("screen", 10_000)]).summary
    assert s["disengagement_score"] is None
    assert s["headline"].startswith("Too little of the interviewer's face was visible")


def _strategies(agg: Aggregate) -> list[str]:
    return [a["strategy"] for a in agg.advice]


def test_note_taking_stop_calls_for_a_response_in_the_moment() -> None:
    agg = _agg([("screen", MIN), *rhythm(5), ("screen", 2 * MIN)])
    (stop,) = [e for e in agg.events if e["type"] == "note_taking_stopped"]
    (item,) = [a for a in agg.advice if a["strategy"] == "respond_in_moment"]
    assert item["at_ms"] == stop["start_ms"] and item["event_ids"] == [stop["id"]]
    assert "At 1:35 the interviewer stopped the note-taking rhythm" in item["text"]
    assert "from about 1:05" in item["text"]  # the answer given just before


def test_clustered_negative_cues_call_for_staying_upbeat() -> None:
    agg = _agg(
        [
            ("screen", MIN),
            ("away", 3_000),
            ("screen", 5_000),
            ("closed", 2_000),
            ("screen", 5_000),
            ("absent", 4_000),
            ("screen", MIN),
        ]
    )
    (item,) = [a for a in agg.advice if a["strategy"] == "stay_upbeat"]
    assert item["at_ms"] == MIN and len(item["event_ids"]) == 3
    assert "3 off-screen cues" in item["text"]


def test_sustained_drop_calls_for_changing_strategy() -> None:
    agg = _agg(
        [("screen", 5 * MIN), *[("away", 5_000), ("screen", 5_000)] * 12, ("screen", 2 * MIN)]
    )
    (drop,) = [e for e in agg.events if e["type"] == "engagement_drop"]
    (item,) = [a for a in agg.advice if a["strategy"] == "change_strategy"]
    assert item["at_ms"] == drop["start_ms"] and item["event_ids"] == [drop["id"]]
    assert "concerns" in item["text"] or "address" in item["text"]


def test_thank_you_note_points_at_the_lowest_windows() -> None:
    agg = _agg(
        [
            ("screen", MIN),
            ("away", 20_000),
            ("screen", 70_000),
            ("down", 15_000),
            ("screen", 15_000),
        ]
    )
    last = agg.advice[-1]
    assert last["strategy"] == "thank_you_note" and last["at_ms"] == 3 * MIN
    assert "1:00-1:30 (the interviewer looked away 67% of it)" in last["text"]
    assert "2:30-3:00 (the interviewer looked down (not taking notes) 50% of it)" in last["text"]


def test_a_habitual_glancer_gets_a_few_items_not_one_a_minute() -> None:
    agg = _agg([("away", 6_000), ("screen", 6_000)] * 100)
    counts = {s: _strategies(agg).count(s) for s in set(_strategies(agg))}
    assert max(counts.values()) <= CONFIG.advice_max_per_strategy


def test_advice_is_ordered_and_speaks_of_behaviour_only() -> None:
    agg = _agg(
        [
            ("screen", 5 * MIN),
            *rhythm(4),
            ("screen", MIN),
            *[("away", 6_000), ("down", 4_000), ("screen", 5_000)] * 12,
            ("absent", 5_000),
            ("screen", MIN),
        ]
    )
    times = [a["at_ms"] for a in agg.advice]
    assert times == sorted(times)
    assert set(_strategies(agg)) == {
        "respond_in_moment",
        "stay_upbeat",
        "change_strategy",
        "thank_you_note",
    }
    ids = {e["id"] for e in agg.events}
    for text in [a["text"] for a in agg.advice] + [agg.summary["headline"]]:
        assert not any(word in text.lower() for word in FEELINGS), text
    assert all(set(a["event_ids"]) <= ids for a in agg.advice)


def test_thank_you_note_for_a_steady_interviewer_points_at_nothing() -> None:
    # ordinary glancing (a short look aside a minute) is nothing to clarify
    agg = _agg([("screen", 55_000), ("away", 2_000), ("screen", 63_000)])
    last = agg.advice[-1]
    assert last["strategy"] == "thank_you_note" and last["event_ids"] == []
    assert "attention looked steady" in last["text"]

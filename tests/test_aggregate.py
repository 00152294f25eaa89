"""Note-taking episodes and events from hand-built state sequences with known truth."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pipeline.config import PipelineConfig
from pipeline.types import AttentionSeries, BoolArray
from pipeline.verdict.aggregate import aggregate, timeline, window_scores_at
from pipeline.verdict.episodes import Episode, episode_confidence, note_taking
from tests.test_aggregate_factories import (
    STEP_MS,
    Segment,
    rhythm,
    signals_for,
    states_from,
    total_ms,
)

CONFIG = PipelineConfig()
MIN = 60_000


def _notes(segments: list[Segment], hands: bool = False) -> tuple[BoolArray, list[Episode]]:
    states = states_from(segments)
    low = (states.attention == 1) if hands else None
    flag, episodes = note_taking(signals_for(states, hands_low=low), states, CONFIG)
    return flag, episodes


def _events(segments: list[Segment], kind: str) -> list[dict[str, Any]]:
    states = states_from(segments)
    agg = aggregate(signals_for(states), states, CONFIG, total_ms(segments))
    return [e for e in agg.events if e["type"] == kind]


@pytest.mark.parametrize(
    ("segments", "hands", "episodes"),
    [
        # the rhythm: six 3 s looks down, 5 s back on the screen between them
        ([("screen", MIN), *rhythm(6), ("screen", MIN)], False, 1),
        # irregular lengths still a rhythm
        (
            [
                ("screen", 20_000),
                *rhythm(2, 1_000, 2_000),
                ("screen", 9_000),
                *rhythm(2, 6_000, 1_000),
                ("screen", MIN),
            ],
            False,
            1,
        ),
        # one long look down (phone, reading) is not note-taking
        ([("screen", MIN), ("down", 40_000), ("screen", MIN)], False, 0),
        # two looks down alone are ordinary glancing...
        ([("screen", MIN), *rhythm(2), ("screen", MIN)], False, 0),
        # ...but with the hands low while looking down they are notes
        ([("screen", MIN), *rhythm(2), ("screen", MIN)], True, 1),
        # looks down 20 s apart are separate glances, not a rhythm
        ([("screen", MIN), *rhythm(4, 3_000, 20_000), ("screen", MIN)], False, 0),
        # a long look down splits two rhythms
        (
            [*rhythm(3), ("screen", 4_000), ("down", 30_000), ("screen", 4_000), *rhythm(3)],
            False,
            2,
        ),
        # glances to the side between looks down are not returns to the screen
        (
            [
                ("screen", MIN),
                *[s for _ in range(4) for s in (("down", 3_000), ("away", 4_000))],
                ("screen", MIN),
            ],
            False,
            0,
        ),
        # the camera going off between looks down breaks the rhythm
        ([("screen", MIN), *rhythm(2), ("absent", 10_000), *rhythm(2), ("screen", MIN)], False, 0),
        # blink-short looks down are not writing
        ([("screen", MIN), *rhythm(8, 400, 2_000), ("screen", MIN)], False, 0),
    ],
)
def test_note_taking_episodes(segments: list[Segment], hands: bool, episodes: int) -> None:
    _, found = _notes(segments, hands)
    assert len(found) == episodes


def test_episode_spans_first_to_last_look_down() -> None:
    segments = [("screen", MIN), *rhythm(5), ("screen", 2 * MIN)]
    flag, (ep,) = _notes(segments)
    last_down_end = MIN + 5 * 3_000 + 4 * 5_000
    assert (ep.start_ms, ep.end_ms) == (MIN, last_down_end)
    ts = np.arange(len(flag)) * STEP_MS
    np.testing.assert_array_equal(flag, (ts >= MIN) & (ts < last_down_end))
    assert ep.quiet_after_ms == 2 * MIN


def test_down_flickers_shorter_than_a_return_join_one_look() -> None:
    # 3 s down, 0.2 s screen, 3 s down: one 6.2 s look, so three of them are three looks
    look = [("down", 3_000), ("screen", 200), ("down", 3_000)]
    segments = [
        ("screen", MIN),
        *look,
        ("screen", 4_000),
        *look,
        ("screen", 4_000),
        *look,
        ("screen", MIN),
    ]
    _, (ep,) = _notes(segments)
    assert len(ep.glances) == 3


@pytest.mark.parametrize(
    ("glances", "hand_share", "expected"),
    [
        (3, np.nan, 0.75),  # no hands seen: rhythm alone
        (2, np.nan, 0.5),
        (2, 0.6, 0.62),  # hands low or moving during the episode add a quarter
        (6, 0.0, 0.73),  # hands seen but still and high take it away
    ],
)
def test_episode_confidence(glances: int, hand_share: float, expected: float) -> None:
    np.testing.assert_allclose(episode_confidence(glances, hand_share, CONFIG), expected, atol=0.01)


def test_note_taking_events_place_start_and_stop() -> None:
    segments = [("screen", MIN), *rhythm(6), ("screen", 2 * MIN)]
    (start,) = _events(segments, "note_taking_started")
    (stop,) = _events(segments, "note_taking_stopped")
    assert start["start_ms"] == MIN
    assert stop["start_ms"] == stop["end_ms"] == MIN + 6 * 3_000 + 5 * 5_000
    assert stop["confidence"] >= 0.9
    assert "no look down for the next 2 min" in stop["detail"]


def test_a_stop_just_before_the_end_is_less_certain() -> None:
    segments = [("screen", MIN), *rhythm(6), ("screen", 3_000)]
    (stop,) = _events(segments, "note_taking_stopped")
    assert stop["confidence"] < 0.3


@pytest.mark.parametrize(
    ("kind", "state", "min_ms"),
    [
        ("looking_away", "away", CONFIG.looking_away_min_ms),
        ("eyes_closed", "closed", CONFIG.eyes_closed_min_ms),
        ("face_absent", "absent", CONFIG.face_absent_min_ms),
    ],
)
def test_state_events_need_their_minimum_duration(kind: str, state: str, min_ms: int) -> None:
    held_ms = -(-min_ms // STEP_MS) * STEP_MS  # the minimum, in whole frames
    short = [("screen", 10_000), (state, held_ms - STEP_MS), ("screen", 10_000)]
    held = [("screen", 10_000), (state, held_ms), ("screen", 10_000)]
    assert _events(short, kind) == []
    (e,) = _events(held, kind)
    assert (e["start_ms"], e["end_ms"]) == (10_000, 10_000 + held_ms)
    assert 0.0 < e["confidence"] <= 1.0


@pytest.mark.parametrize(
    ("off", "count"),
    [
        ([("down", 5_000)], 1),  # looking down, not in a note-taking rhythm
        ([("down", 2_000), ("away", 2_000), ("down", 1_000)], 1),  # mixed wandering
        ([("down", 2_000), ("screen", 400), ("away", 2_000)], 1),  # a blink-short return
        ([("down", 2_000)], 0),  # a glance
        ([("away", 6_000)], 0),  # one look aside is `looking_away`, said once
    ],
)
def test_eye_contact_lost(off: list[Segment], count: int) -> None:
    segments = [("screen", 10_000), *off, ("screen", 10_000)]
    found = _events(segments, "eye_contact_lost")
    assert len(found) == count
    if count:
        assert found[0]["start_ms"] == 10_000
        assert found[0]["end_ms"] == 10_000 + total_ms(off)


def test_eye_contact_is_not_lost_while_taking_notes() -> None:
    segments = [("screen", MIN), *rhythm(6, down_ms=5_000), ("screen", MIN)]
    assert _events(segments, "eye_contact_lost") == []


def test_engagement_drop_against_own_earlier_level() -> None:
    # five attentive minutes, then two minutes looking away half the time, then attentive
    half_away = [("away", 5_000), ("screen", 5_000)] * 12
    segments = [("screen", 5 * MIN), *half_away, ("screen", 2 * MIN)]
    (drop,) = _events(segments, "engagement_drop")
    assert abs(drop["start_ms"] - 5 * MIN) <= 15_000
    assert abs(drop["end_ms"] - 7 * MIN) <= 15_000
    assert "50%" in drop["detail"] and "100%" in drop["detail"]


def test_no_drop_for_someone_who_always_glances_around() -> None:
    # people differ: the same behaviour throughout is this person's level, not a drop
    segments = [("away", 5_000), ("screen", 5_000)] * 60
    assert _events(segments, "engagement_drop") == []


def test_no_drop_without_an_earlier_level() -> None:
    # a minute of face has to be seen before anything can fall below it; by then the
    # looking away has too little time left to be sustained
    segments = [("screen", 20_000), ("away", 70_000)]
    assert _events(segments, "engagement_drop") == []


def test_events_have_ids_in_start_order() -> None:
    segments = [
        ("screen", MIN),
        ("away", 3_000),
        ("screen", 5_000),
        ("closed", 2_000),
        ("absent", 5_000),
        ("screen", MIN),
    ]
    states = states_from(segments)
    agg = aggregate(signals_for(states), states, CONFIG, total_ms(segments))
    starts = [e["start_ms"] for e in agg.events]
    assert starts == sorted(starts)
    assert [e["id"] for e in agg.events] == [f"ev-{i:03d}" for i in range(1, len(starts) + 1)]


def test_aggregate_rejects_mismatched_inputs() -> None:
    a, b = states_from([("screen", 2_000)]), states_from([("screen", 4_000)])
    with pytest.raises(ValueError, match="signals has 20 frames, states has 10"):
        aggregate(signals_for(b), a, CONFIG, 2_000)


def test_aggregate_names_the_frame_where_inputs_disagree() -> None:
    states = states_from([("screen", 2_000)])
    signals = signals_for(states)
    shifted = np.array(states.timestamp_ms)
    t = int(shifted[3])
    shifted[3] += 1
    moved = AttentionSeries(shifted, states.attention, states.baseline)
    with pytest.raises(ValueError, match=f"differ at frame 3: {t} ms vs {t + 1} ms"):
        aggregate(signals, moved, CONFIG, 2_000)
    shifted[4] = shifted[3]
    repeated = AttentionSeries(shifted.copy(), states.attention, states.baseline)
    with pytest.raises(ValueError, match=f"{t + 1} then {t + 1} at frame 4"):
        aggregate(signals_for(repeated), repeated, CONFIG, 2_000)


def test_aggregate_of_nothing() -> None:
    states = states_from([])
    agg = aggregate(signals_for(states), states, CONFIG, 0)
    assert agg.note_taking.shape == (0,)
    assert agg.windows == [] and agg.events == []
    assert agg.summary["disengagement_score"] is None
    assert [a["strategy"] for a in agg.advice] == ["thank_you_note"]


def test_timeline_and_frame_scores() -> None:
    segments = [("screen", 30_000), ("away", 30_000), ("absent", 30_000)]
    states = states_from(segments)
    agg = aggregate(signals_for(states), states, CONFIG, total_ms(segments))
    tl = timeline(states, agg.note_taking)
    assert tl["attention"][0] == "screen" and tl["attention"][-1] == "absent"
    assert len(tl["timestamp_ms"]) == len(tl["note_taking"]) == len(states)
    scores = window_scores_at(agg.windows, states.timestamp_ms)
    np.testing.assert_allclose(scores[[0, 150]], [0.0, 100.0])
    assert np.isnan(scores[-1])


def test_looks_down_between_looks_aside_are_not_note_taking() -> None:
    # down 4 s, screen 5 s, aside 6 s, repeated: the gaps are mostly spent elsewhere
    wander = [("down", 4_000), ("screen", 5_000), ("away", 6_000)] * 8
    _, found = _notes([("screen", MIN), *wander, ("screen", MIN)])
    assert found == []

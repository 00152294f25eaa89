"""Windows: tiling, coverage, abstention, shares and the disengagement score."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import PipelineConfig
from pipeline.types import ATTENTION_LABELS
from pipeline.verdict.aggregate import aggregate
from pipeline.verdict.windows import disengagement_score, window_bounds
from tests.test_aggregate_factories import (
    STEP_MS,
    Segment,
    rhythm,
    signals_for,
    states_from,
    states_from_codes,
    total_ms,
)

CONFIG = PipelineConfig()
MIN = 60_000


def _windows(segments: list[Segment], duration_ms: int | None = None) -> list[dict[str, Any]]:
    states = states_from(segments)
    duration = total_ms(segments) if duration_ms is None else duration_ms
    return aggregate(signals_for(states), states, CONFIG, duration).windows


@pytest.mark.parametrize(
    ("duration_ms", "window_ms", "expected"),
    [
        (0, 30_000, []),  # nothing to tile
        (30_000, 30_000, [(0, 30_000)]),  # exactly one
        (70_000, 30_000, [(0, 30_000), (30_000, 60_000), (60_000, 70_000)]),  # short last one
        (1, 30_000, [(0, 1)]),
    ],
)
def test_window_bounds(duration_ms: int, window_ms: int, expected: list[tuple[int, int]]) -> None:
    assert window_bounds(duration_ms, window_ms) == expected


def _comps(**shares: float | None) -> dict[str, float | None]:
    base: dict[str, float | None] = {
        "away": 0.0,
        "down_not_notes": 0.0,
        "closed": 0.0,
        "absent": 0.0,
        "below_own_level": None,
    }
    return {**base, **shares}


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        (_comps(), 0.0),  # on the screen (or taking notes) throughout
        (_comps(away=1.0), 100.0),  # looking away throughout
        (_comps(away=0.5), 50.0),
        (_comps(down_not_notes=1.0), 70.0),  # down, not taking notes: may be reading the CV
        (_comps(closed=0.5), 40.0),
        (_comps(absent=0.4), 20.0),  # out of view weighs least: a tracker loss looks the same
        (_comps(away=0.2, down_not_notes=0.2, closed=0.1, absent=0.1), 47.0),
        (_comps(below_own_level=0.0), 0.0),  # at own level
        (_comps(away=0.5, below_own_level=0.5), 50.0),  # 0.8 * 50 + 0.2 * 50
        (_comps(away=0.5, below_own_level=0.0), 40.0),  # a habitual glancer at own level
        (_comps(away=1.0, below_own_level=1.0), 100.0),
    ],
)
def test_disengagement_score(components: dict[str, float | None], expected: float) -> None:
    np.testing.assert_allclose(disengagement_score(components, CONFIG), expected, atol=0.05)


def test_window_fields() -> None:
    segments = [("screen", 15_000), ("away", 9_000), ("closed", 3_000), ("absent", 3_000)]
    (w,) = _windows(segments)
    assert (w["start_ms"], w["end_ms"], w["frames_analysed"]) == (0, 30_000, 150)
    np.testing.assert_allclose(w["coverage"], 0.9)
    np.testing.assert_allclose(
        [w["ratios"][k] for k in ATTENTION_LABELS], [0.5, 0.0, 0.3, 0.1, 0.1], atol=1e-6
    )
    assert w["abstain_reason"] is None
    assert w["components"]["below_own_level"] is None  # nothing earlier to compare with
    np.testing.assert_allclose(w["disengagement_score"], 100 * (0.3 + 0.8 * 0.1 + 0.5 * 0.1))


def test_low_coverage_abstains_with_a_reason() -> None:
    (w,) = _windows([("screen", 12_000), ("absent", 18_000)])
    assert w["disengagement_score"] is None
    assert w["abstain_reason"] == "face visible in 40% of this window; 50% needed to judge"
    assert all(v is None for v in w["components"].values())
    np.testing.assert_allclose(w["ratios"]["absent"], 0.6)


def test_a_window_without_frames_abstains() -> None:
    # the media says 90 s, frames stop at 30 s (a truncated file)
    wins = _windows([("screen", 30_000)], duration_ms=90_000)
    assert [w["frames_analysed"] for w in wins] == [150, 0, 0]
    assert wins[2]["coverage"] == 0.0 and wins[2]["disengagement_score"] is None
    assert wins[2]["abstain_reason"] == "no analysed frames in this window"


def test_frames_beyond_the_stated_duration_still_get_windows() -> None:
    # browser WebM says 0 ms until decoded
    wins = _windows([("screen", 45_000)], duration_ms=0)
    assert [(w["start_ms"], w["end_ms"]) for w in wins] == [(0, 30_000), (30_000, 44_801)]


def test_note_taking_is_attention_not_disengagement() -> None:
    wins = _windows([("screen", MIN), *rhythm(4, 3_000, 4_000), ("screen", 35_000)])
    # 12 s down and 12 s back on the screen, all within the episode
    assert wins[2]["ratios"]["down"] == 0.4
    assert wins[2]["note_taking_ratio"] == 0.8
    assert wins[2]["disengagement_score"] == 0.0


def test_below_own_level_compares_with_the_minutes_before() -> None:
    wins = _windows([("screen", 5 * MIN), ("away", 15_000), ("screen", 15_000)])
    last = wins[-1]
    np.testing.assert_allclose(last["components"]["below_own_level"], 0.5)
    np.testing.assert_allclose(last["disengagement_score"], 50.0)


_CODES = st.lists(st.integers(min_value=0, max_value=4), max_size=1_200)


@settings(max_examples=60, deadline=None)
@given(
    codes=_CODES,
    extra_ms=st.integers(min_value=0, max_value=100_000),
    window_ms=st.integers(min_value=1_000, max_value=90_000),
)
def test_windows_tile_and_shares_add_up(codes: list[int], extra_ms: int, window_ms: int) -> None:
    states = states_from_codes(codes)
    config = PipelineConfig(window_ms=window_ms)
    duration = len(codes) * STEP_MS + extra_ms
    wins = aggregate(signals_for(states), states, config, duration).windows
    # they tile [0, duration): contiguous, from 0, to the end
    assert [w["start_ms"] for w in wins[1:]] == [w["end_ms"] for w in wins[:-1]]
    assert (wins[0]["start_ms"], wins[-1]["end_ms"]) == (0, duration) if wins else duration == 0
    assert sum(w["frames_analysed"] for w in wins) == len(codes)
    for w in wins:
        total = sum(w["ratios"].values())
        assert 0.0 <= w["coverage"] <= 1.0 and 0.0 <= w["note_taking_ratio"] <= 1.0
        if w["frames_analysed"]:
            np.testing.assert_allclose(total, 1.0, atol=0.005)  # rounded to 3 places each
        else:
            assert total == 0.0 and w["coverage"] == 0.0
            assert w["disengagement_score"] is None
        score = w["disengagement_score"]
        assert (score is None) == (w["abstain_reason"] is not None)
        assert score is None or 0.0 <= score <= 100.0

"""The recording in a few figures and one sentence of observable behaviour."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.config import PipelineConfig
from pipeline.types import ATTENTION_LABELS, Attention, AttentionSeries, BoolArray, StateArray

_FRACTIONS = (
    (0.25, "a quarter"),
    (1 / 3, "a third"),
    (0.5, "half"),
    (2 / 3, "two thirds"),
    (0.75, "three quarters"),
    (1.0, "all"),
)
_PHRASES = {
    "away": "Looked away",
    "down_not_notes": "Looked down without taking notes",
    "closed": "Had the eyes closed",
    "absent": "Was out of view",
}
# Below this share an off-screen behaviour is ordinary glancing, not worth a headline.
_NOTABLE_SHARE = 0.1


def fraction_words(share: float) -> str:
    """`a third`, `half`, ... when the share is within 3 points of one, else `40%`; `all`
    only when nothing else happened (97% is not all)."""
    if share >= 0.995:
        return "all"
    for value, words in _FRACTIONS[:-1]:
        if abs(share - value) <= 0.03:
            return words
    return f"{share:.0%}"


# Note-taking that ended at least this long before the end of the recording is worth its
# own clause: the moment it stopped is the one a candidate most needs to find.
_NOTES_STOPPED_BEFORE_END_MS = 20_000


def _notes_clause(states: AttentionSeries, note_taking: BoolArray, duration_ms: int) -> str:
    taking = np.flatnonzero(note_taking)
    if taking.size == 0:
        return ""
    last_ms = int(states.timestamp_ms[taking[-1]])
    if duration_ms - last_ms < _NOTES_STOPPED_BEFORE_END_MS:
        return ""
    return f"; took notes until {_clock(last_ms)}, then stopped"


def _clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def overall_score(windows: list[dict[str, Any]]) -> float | None:
    """Mean window score weighted by covered time; None when every window abstained."""
    scored = [w for w in windows if w["disengagement_score"] is not None]
    weights = [(w["end_ms"] - w["start_ms"]) * w["coverage"] for w in scored]
    if not scored or sum(weights) <= 0:
        return None
    values = [w["disengagement_score"] for w in scored]
    return round(float(np.average(values, weights=weights)), 1)


def trend(windows: list[dict[str, Any]], config: PipelineConfig) -> dict[str, Any]:
    """Last third of the scored windows against the first third.

    Args:
        windows: the windows; abstaining ones are skipped.
        config: `trend_min_points`.

    Returns:
        `direction` (improving | stable | declining) and `change`: mean score of the last
        third minus the first third, in score points (positive: more disengagement).
    """
    scores = [w["disengagement_score"] for w in windows if w["disengagement_score"] is not None]
    if len(scores) < 2:
        return {"direction": "stable", "change": 0.0}
    k = max(1, len(scores) // 3)
    change = round(float(np.mean(scores[-k:]) - np.mean(scores[:k])), 1)
    direction = "stable"
    if change >= config.trend_min_points:
        direction = "declining"
    elif change <= -config.trend_min_points:
        direction = "improving"
    return {"direction": direction, "change": change}


def _span_words(tail_ms: int, duration_ms: int) -> str:
    # A tail covering most of the recording is the recording.
    if tail_ms * 1.2 >= duration_ms:
        return "the recording"
    minutes = round(tail_ms / 60_000)
    return "the last five minutes" if minutes == 5 else f"the last {seconds_or_minutes(tail_ms)}"


def seconds_or_minutes(ms: int) -> str:
    """`2 minutes`, `90 seconds`: a span in the words a person would use."""
    if ms >= 120_000:
        return f"{round(ms / 60_000)} minutes"
    return f"{round(ms / 1000)} seconds"


def _tail_shares(codes: StateArray, notes: BoolArray) -> dict[str, float]:
    n = max(len(codes), 1)
    return {
        "away": float(np.sum(codes == Attention.AWAY) / n),
        "down_not_notes": float(np.sum((codes == Attention.DOWN) & ~notes) / n),
        "closed": float(np.sum(codes == Attention.CLOSED) / n),
        "absent": float(np.sum(codes == Attention.ABSENT) / n),
        "attending": float(np.sum((codes == Attention.SCREEN) | notes) / n),
    }


def _trend_clause(direction: str, change: float) -> str:
    if direction == "declining":
        return f", more than earlier in the call (score up {abs(change):.0f} points)"
    if direction == "improving":
        return f", less than earlier in the call (score down {abs(change):.0f} points)"
    return ""


def headline(
    states: AttentionSeries,
    note_taking: BoolArray,
    duration_ms: int,
    *,
    trend_: dict[str, Any],
    scored: bool,
    config: PipelineConfig,
) -> str:
    """One sentence about the end of the recording, in observable terms only.

    Args:
        states: attention states, `(T,)`.
        note_taking: `(T,)` note-taking flag.
        duration_ms: recording length.
        trend_: from `trend`.
        scored: whether any window had enough face to be scored.
        config: `headline_tail_ms`.
    """
    codes = states.attention
    if not scored:
        seen = float(np.mean(codes != Attention.ABSENT)) if len(codes) else 0.0
        return (
            f"Too little of the interviewer's face was visible to judge (in view "
            f"{seen:.0%} of the analysed frames)."
        )
    tail_ms = min(config.headline_tail_ms, duration_ms)
    first = int(np.searchsorted(states.timestamp_ms, duration_ms - tail_ms, side="left"))
    shares = _tail_shares(codes[first:], note_taking[first:])
    span = _span_words(tail_ms, duration_ms)
    key = max(_PHRASES, key=lambda k: shares[k])
    clause = _trend_clause(trend_["direction"], trend_["change"])
    clause += _notes_clause(states, note_taking, duration_ms)
    if shares[key] >= _NOTABLE_SHARE:
        return f"{_PHRASES[key]} {fraction_words(shares[key])} of {span}{clause}."
    attended = fraction_words(shares["attending"])
    return f"Looked at the screen or took notes {attended} of {span}{clause}."


def summarise(
    windows: list[dict[str, Any]],
    states: AttentionSeries,
    note_taking: BoolArray,
    duration_ms: int,
    config: PipelineConfig,
) -> dict[str, Any]:
    """The JSON-ready summary: score, state shares, note-taking share, trend and headline.

    Args:
        windows: the windows of the recording.
        states: attention states, `(T,)`.
        note_taking: `(T,)` note-taking flag.
        duration_ms: recording length.
        config: `trend_min_points`, `headline_tail_ms`.
    """
    n = max(len(states), 1)
    codes = states.attention
    score = overall_score(windows)
    trend_ = trend(windows, config)
    return {
        "disengagement_score": score,
        "ratios": {
            label: round(float(np.sum(codes == a) / n), 3)
            for a, label in enumerate(ATTENTION_LABELS)
        },
        "note_taking_ratio": round(float(np.sum(note_taking) / n), 3),
        "trend": trend_,
        "headline": headline(
            states,
            note_taking,
            duration_ms,
            trend_=trend_,
            scored=score is not None,
            config=config,
        ),
    }

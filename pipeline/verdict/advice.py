"""The four salvage moves, attached to the moments that call for them.

Each item names the time and the observed behaviour that triggered it; none guesses at what
the interviewer felt.
"""

from __future__ import annotations

from typing import Any

from pipeline.attention.runs import clock
from pipeline.config import PipelineConfig
from pipeline.verdict.events import NEGATIVE_TYPES, Event

Advice = dict[str, Any]
# An item and how strongly its moment calls for the move (to keep the strongest few).
Ranked = tuple[float, Advice]


def _item(at_ms: int, strategy: str, text: str, events: list[Event]) -> Advice:
    return {
        "at_ms": int(at_ms),
        "strategy": strategy,
        "text": text,
        "event_ids": [e["id"] for e in events],
    }


def strongest(ranked: list[Ranked], min_gap_ms: int, count: int) -> list[Advice]:
    """The `count` strongest items of one move, no two within `min_gap_ms`, in time order.

    Args:
        ranked: (weight, item) pairs of one strategy.
        min_gap_ms: items closer than this are one moment; the stronger one stays.
        count: how many to keep.
    """
    kept: list[Advice] = []
    for _, item in sorted(ranked, key=lambda r: (-r[0], r[1]["at_ms"])):
        apart = all(abs(item["at_ms"] - k["at_ms"]) >= min_gap_ms for k in kept)
        if apart and len(kept) < count:
            kept.append(item)
    return sorted(kept, key=lambda a: a["at_ms"])


def _observed(e: Event) -> str:
    """The event's detail as a clause after "the interviewer" (details start with a verb)."""
    detail = str(e["detail"]).rstrip(".")
    return detail[:1].lower() + detail[1:]


def respond_in_moment(events: list[Event], config: PipelineConfig) -> list[Ranked]:
    """Long looks off the screen and stops in note-taking: offer to expand on the last answer.

    Stops in note-taking rank first (the moment the candidate most needs to catch), then
    longer looks away.

    Args:
        events: all events, with ids.
        config: `advice_respond_min_ms`, `advice_context_ms`.
    """
    items: list[Ranked] = []
    for e in events:
        long_off = (
            e["type"] in ("eye_contact_lost", "looking_away")
            and e["end_ms"] - e["start_ms"] >= config.advice_respond_min_ms
        )
        if not (long_off or e["type"] == "note_taking_stopped"):
            continue
        weight = float("inf") if not long_off else float(e["end_ms"] - e["start_ms"])
        text = _respond_text(e, max(0, e["start_ms"] - config.advice_context_ms))
        items.append((weight, _item(e["start_ms"], "respond_in_moment", text, [e])))
    return items


def _respond_text(e: Event, answer_from_ms: int) -> str:
    return (
        f"At {clock(e['start_ms'])} the interviewer {_observed(e)}. In the moment, finish your "
        "point and offer to expand on the answer you were giving from about "
        f'{clock(answer_from_ms)}, e.g. "Would a concrete example of that help?"'
    )


def _clusters(negatives: list[Event], config: PipelineConfig) -> list[list[Event]]:
    """Disjoint groups of at least `advice_cluster_min_events` starting within the span."""
    found: list[list[Event]] = []
    i = 0
    while i < len(negatives):
        first = negatives[i]["start_ms"]
        group = [e for e in negatives[i:] if e["start_ms"] - first < config.advice_cluster_ms]
        enough = len(group) >= config.advice_cluster_min_events
        if enough:
            found.append(group)
        i += len(group) if enough else 1
    return found


def stay_upbeat(events: list[Event], config: PipelineConfig) -> list[Ranked]:
    """Where negative cues cluster: keep the tone upbeat and the answers crisp.

    Args:
        events: all events, with ids, sorted by start.
        config: `advice_cluster_min_events`, `advice_cluster_ms`.
    """
    negatives = [e for e in events if e["type"] in NEGATIVE_TYPES]
    items: list[Ranked] = []
    for group in _clusters(negatives, config):
        start, end = group[0]["start_ms"], max(e["end_ms"] for e in group)
        text = _upbeat_text(group, start, end)
        items.append((len(group), _item(start, "stay_upbeat", text, group)))
    return items


def _upbeat_text(group: list[Event], start: int, end: int) -> str:
    kinds = ", ".join(sorted({str(e["type"]).replace("_", " ") for e in group}))
    return (
        f"Between {clock(start)} and {clock(end)} the interviewer showed {len(group)} "
        f"off-screen cues ({kinds}). Keep your tone upbeat and your answers short and "
        "concrete; do not let the cues knock your energy."
    )


def change_strategy(events: list[Event]) -> list[Ranked]:
    """After a sustained drop: change tack and ask openly about concerns with your fit.

    Args:
        events: all events, with ids.
    """
    return [
        (
            e["end_ms"] - e["start_ms"],
            _item(
                e["start_ms"],
                "change_strategy",
                (
                    f"The interviewer {_observed(e)}. "
                    'Change strategy midstream: ask openly, e.g. "Is there anything '
                    "about my fit for this role you'd like me to address?\""
                ),
                [e],
            ),
        )
        for e in events
        if e["type"] == "engagement_drop"
    ]


def _lowest_windows(
    windows: list[dict[str, Any]], count: int, min_score: float
) -> list[dict[str, Any]]:
    scored = [w for w in windows if (w["disengagement_score"] or 0.0) >= min_score]
    worst = sorted(scored, key=lambda w: -w["disengagement_score"])[:count]
    return sorted(worst, key=lambda w: w["start_ms"])


_BEHAVIOUR = {
    "away": "looked away",
    "down_not_notes": "looked down (not taking notes)",
    "closed": "had the eyes closed",
    "absent": "was out of view",
}


def window_behaviour(window: dict[str, Any]) -> str:
    """The window's largest off-screen behaviour as a phrase: `looked away 40% of it`."""
    comps = window["components"]
    key = max(_BEHAVIOUR, key=lambda k: comps.get(k) or 0.0)
    return f"{_BEHAVIOUR[key]} {comps.get(key) or 0.0:.0%} of it"


def _steady_text(windows: list[dict[str, Any]]) -> str:
    scored = any(w["disengagement_score"] is not None for w in windows)
    why = (
        "No stretch of the call stood out: the interviewer's attention looked steady."
        if scored
        else "Too little of the interviewer's face was visible to point at particular answers."
    )
    return f"In your thank-you note, restate your main strengths. {why}"


def thank_you_note(
    windows: list[dict[str, Any]],
    events: list[Event],
    duration_ms: int,
    config: PipelineConfig,
) -> Advice:
    """At the end: restate strengths and clarify the answers where attention was lowest.

    Args:
        windows: scored windows.
        events: all events, with ids (those inside the lowest windows are referenced).
        duration_ms: recording length; the item sits at its end.
        config: `advice_thank_you_windows`, `advice_thank_you_min_score`.
    """
    worst = _lowest_windows(
        windows, config.advice_thank_you_windows, config.advice_thank_you_min_score
    )
    if not worst:
        return _item(duration_ms, "thank_you_note", _steady_text(windows), [])
    spans = " and ".join(
        f"{clock(w['start_ms'])}-{clock(w['end_ms'])} (the interviewer {window_behaviour(w)})"
        for w in worst
    )
    inside = [
        e
        for e in events
        for w in worst
        if w["start_ms"] <= e["start_ms"] < w["end_ms"] and e["type"] in NEGATIVE_TYPES
    ]
    return _item(
        duration_ms,
        "thank_you_note",
        (
            "In your thank-you note, restate your main strengths, and clarify the answers you gave "
            f"around {spans}: the stretches with the highest disengagement score."
        ),
        inside,
    )


def advise(
    events: list[Event],
    windows: list[dict[str, Any]],
    duration_ms: int,
    config: PipelineConfig,
) -> list[Advice]:
    """All advice items in time order.

    Args:
        events: events with ids, sorted by start.
        windows: the scored windows.
        duration_ms: recording length.
        config: the `advice_*` thresholds.
    """
    gap, count = config.advice_min_gap_ms, config.advice_max_per_strategy
    moves = [
        *strongest(respond_in_moment(events, config), gap, count),
        *strongest(stay_upbeat(events, config), gap, count),
        *strongest(change_strategy(events), gap, count),
    ]
    ordered = sorted(moves, key=lambda a: a["at_ms"])
    return [*ordered, thank_you_note(windows, events, duration_ms, config)]

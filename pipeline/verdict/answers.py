"""The verdict per answer: what the interviewer did while the candidate answered.

Events and advice so far point at moments; with the conversation's turns they point at
answers. Two events: attention dropping during an answer (an off-screen event that starts
inside one, with the answer's start and how far into it), and the interviewer starting to
speak over an answer. The advice's `respond_in_moment` and `thank_you_note` then name the
answer in progress ("your answer at 3:10, 2 min 40 s long"). Answer lengths are related to
attention only as an observation, where the recording has both long and short answers.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from pipeline.attention.runs import clock, seconds
from pipeline.config import PipelineConfig
from pipeline.verdict.events import NEGATIVE_TYPES, Event, event

Turn = dict[str, Any]


def answers(turns: list[Turn]) -> list[Turn]:
    """The candidate's turns, in time order."""
    return [t for t in turns if t["role"] == "candidate"]


def answer_at(turns: list[Turn], at_ms: int) -> Turn | None:
    """The answer in progress at `at_ms`, else the last one that ended before it."""
    before = [a for a in answers(turns) if a["start_ms"] <= at_ms]
    return before[-1] if before else None


def _answer_name(answer: Turn) -> str:
    length = answer["end_ms"] - answer["start_ms"]
    return f"your answer at {clock(answer['start_ms'])}, {seconds(length)} long"


def with_answers(result: dict[str, Any], config: PipelineConfig) -> dict[str, Any]:
    """`result.json` with the answer events added (numbered after the others, all sorted by
    start), advice naming answers, and `speech.answers` (lengths, and attention by length).
    """
    turns = result["speech"]["turns"]
    events = result["events"]
    new = answer_events(events, turns, config)
    numbered = [{"id": f"ev-{len(events) + i:03d}", **e} for i, e in enumerate(new, start=1)]
    merged = sorted([*events, *numbered], key=lambda e: (e["start_ms"], e["end_ms"], e["id"]))
    speech = {**result["speech"], "answers": length_observation(turns, config)}
    advice = name_answers(result["advice"], merged, turns)
    return {**result, "events": merged, "advice": advice, "speech": speech}


def answer_events(events: list[Event], turns: list[Turn], config: PipelineConfig) -> list[Event]:
    """New events from the turns: attention dropping during an answer, and the interviewer
    speaking over one (JSON-ready, without ids).

    Args:
        events: the interviewer's events so far.
        turns: the conversation's turns (`result.json` `speech.turns`).
        config: `answer_overlap_ms`.
    """
    found = [_drop_in(e, a) for e in events for a in answers(turns) if _starts_in(e, a)]
    return found + _talk_over(turns, config)


def _starts_in(e: Event, answer: Turn) -> bool:
    return e["type"] in NEGATIVE_TYPES and answer["start_ms"] <= e["start_ms"] < answer["end_ms"]


def _drop_in(e: Event, answer: Turn) -> Event:
    into = e["start_ms"] - answer["start_ms"]
    detail = (
        f"Attention left the screen {seconds(into)} into {_answer_name(answer)}: "
        f"{str(e['detail'])[:1].lower()}{str(e['detail'])[1:]}"
    )
    end = min(e["end_ms"], answer["end_ms"])
    found = event("attention_drop_in_answer", e["start_ms"], end, e["confidence"], detail)
    return {**found, "answer": answer["id"], "into_answer_ms": into}


def _talk_over(turns: list[Turn], config: PipelineConfig) -> list[Event]:
    found = []
    for before, after in pairwise(turns):
        over = before["end_ms"] - after["start_ms"]
        if (
            before["role"] == "candidate"
            and after["role"] == "interviewer"
            and over >= -config.answer_overlap_ms
        ):
            length = seconds(before["end_ms"] - before["start_ms"])
            detail = f"Started speaking {length} into {_answer_name(before)}, without a pause."
            item = event(
                "interviewer_spoke_over_answer", after["start_ms"], before["end_ms"], 0.7, detail
            )
            found.append({**item, "answer": before["id"]})
    return found


def name_answers(
    advice: list[dict[str, Any]], events: list[Event], turns: list[Turn]
) -> list[dict[str, Any]]:
    """The advice with `respond_in_moment` pointing at the answer in progress when attention
    dropped, and the thank-you note naming the answers its lowest stretches fell in."""
    by_id = {e["id"]: e for e in events}
    rewrite = {"respond_in_moment": _respond, "thank_you_note": _thank_you}
    return [
        rewrite[a["strategy"]](a, by_id, turns) if a["strategy"] in rewrite else a for a in advice
    ]


def _respond(item: dict[str, Any], by_id: dict[str, Event], turns: list[Turn]) -> dict[str, Any]:
    answer = answer_at(turns, item["at_ms"])
    if answer is None:
        return item
    into = item["at_ms"] - answer["start_ms"]
    where = f"{seconds(into)} into it" if item["at_ms"] < answer["end_ms"] else "after it ended"
    text = (
        f"{_answer_name(answer)[0].upper()}{_answer_name(answer)[1:]}: attention fell {where} "
        f"({clock(item['at_ms'])}). In the moment, finish your point and offer to expand, "
        'e.g. "Would a concrete example of that help?"'
    )
    return {**item, "text": text, "answer": answer["id"]}


def _thank_you(item: dict[str, Any], by_id: dict[str, Event], turns: list[Turn]) -> dict[str, Any]:
    hit = [answer_at(turns, by_id[i]["start_ms"]) for i in item["event_ids"] if i in by_id]
    named = sorted({a["id"]: a for a in hit if a is not None}.values(), key=lambda a: a["start_ms"])
    if not named:
        return item
    which = " and ".join(_answer_name(a) for a in named)
    return {
        **item,
        "text": f"{item['text']} Those stretches fell in {which}.",
        "answers": [a["id"] for a in named],
    }


def length_observation(turns_json: list[Turn], config: PipelineConfig) -> dict[str, Any]:
    """Answer lengths and, where the call has both, the interviewer's share on the screen in
    long answers against shorter ones (an observation, not a diagnosis)."""
    answered = [a for a in answers(turns_json) if a.get("interviewer")]
    lengths = sorted(a["end_ms"] - a["start_ms"] for a in answered)
    out: dict[str, Any] = {
        "count": len(lengths),
        "longest_ms": lengths[-1] if lengths else None,
        "median_ms": lengths[len(lengths) // 2] if lengths else None,
    }
    long = [a for a in answered if a["end_ms"] - a["start_ms"] >= config.long_answer_ms]
    short = [a for a in answered if a["end_ms"] - a["start_ms"] < config.long_answer_ms]
    if long and short:
        out["screen_share_long"] = _mean_screen(long)
        out["screen_share_short"] = _mean_screen(short)
    return out


def _mean_screen(group: list[Turn]) -> float:
    total = float(sum(a["end_ms"] - a["start_ms"] for a in group))
    on = float(sum(a["interviewer"]["screen"] * (a["end_ms"] - a["start_ms"]) for a in group))
    return round(min(1.0, on / total), 3)

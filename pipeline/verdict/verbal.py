"""What the interviewer said, on the shared timeline: verbal events and advice that quotes them.

Observations, not verdicts: each event says what was and was not heard, with the time; absence
of talk about pay or next steps in a mock interview may just be the format.
"""

from __future__ import annotations

from typing import Any

from pipeline.attention.runs import clock, seconds
from pipeline.config import PipelineConfig
from pipeline.transcript.utterances import Utterance
from pipeline.transcript.verbal import SignedUtterance, Verbal
from pipeline.verdict.advice import Advice
from pipeline.verdict.events import Event, event

VERBAL_EVENT_TYPES = (
    "follow_ups_stopped",
    "no_follow_ups",
    "career_advice_given",
    "logistics_not_discussed",
)


def quote(text: str, words: int) -> str:
    """The first `words` words of an utterance, with an ellipsis if cut."""
    parts = text.split()
    if len(parts) > words:
        return " ".join(parts[:words]).rstrip(".,;:!?") + "…"
    # The closing quote is followed by the advice's own punctuation.
    return text.rstrip(".,;:!?")


def _asked(verbal: Verbal) -> list[SignedUtterance]:
    return [u for u in verbal.utterances if "question" in u.signs]


def follow_up_events(verbal: Verbal, config: PipelineConfig) -> list[Event]:
    """`follow_ups_stopped` after the last follow-up, or `no_follow_ups` over the interview,
    when a long enough run of questions follows none of the answers."""
    asked = _asked(verbal)
    last = max((i for i, u in enumerate(asked) if "follow_up" in u.signs), default=-1)
    after = asked[last + 1 :]
    if len(after) < config.verbal_no_follow_up_questions:
        return []
    start, end = after[0].utterance.start_ms, after[-1].utterance.end_ms
    if end - start < config.verbal_no_follow_up_min_ms:
        return []
    if last < 0:
        detail = f"{len(after)} questions and no follow-up on any answer"
        return [event("no_follow_ups", start, end, 0.8, detail)]
    detail = (
        f"the last follow-up question was at {clock(asked[last].utterance.start_ms)}; "
        f"{len(after)} questions in {seconds(end - start)} after it built on no answer"
    )
    return [event("follow_ups_stopped", start, end, 0.8, detail)]


def advice_events(verbal: Verbal, config: PipelineConfig) -> list[Event]:
    """One `career_advice_given` per utterance with career advice, quoting it (`cue` is the
    utterance's cue number in the transcript)."""
    out = []
    for u in (s.utterance for s in verbal.utterances if "career_advice" in s.signs):
        words = quote(u.text, config.verbal_quote_words)
        detail = f"{u.speaker} said \u201c{words}\u201d"
        out.append(
            {**event("career_advice_given", u.start_ms, u.end_ms, 0.8, detail), "cue": u.cue}
        )
    return out


def logistics_events(verbal: Verbal, duration_ms: int, config: PipelineConfig) -> list[Event]:
    """`logistics_not_discussed` when nothing about pay, start, references or next steps was
    heard in the last part of a transcript long enough to be a whole interview."""
    if not verbal.utterances:
        return []
    first = verbal.utterances[0].utterance.start_ms
    last = max(u.utterance.end_ms for u in verbal.utterances)
    if last - first < config.verbal_logistics_min_transcript_ms:
        return []
    tail_start = int(last - (last - first) * config.verbal_logistics_tail_share)
    heard = [u for u in verbal.utterances if "logistics" in u.signs]
    if any(u.utterance.end_ms >= tail_start for u in heard):
        return []
    earlier = f"; earlier at {clock(heard[-1].utterance.start_ms)}" if heard else ""
    detail = (
        "no talk of pay, start date, references or next steps was heard from "
        f"{clock(tail_start)} to the end{earlier}"
    )
    return [event("logistics_not_discussed", tail_start, min(last, duration_ms), 0.6, detail)]


def verbal_events(verbal: Verbal, duration_ms: int, config: PipelineConfig) -> list[Event]:
    """All verbal events, sorted by start and numbered `vb-001`, ...

    Args:
        verbal: the transcript's signs.
        duration_ms: the recording's length (events end within it).
        config: the `verbal_*` thresholds.
    """
    found = [
        *follow_up_events(verbal, config),
        *advice_events(verbal, config),
        *logistics_events(verbal, duration_ms, config),
    ]
    ordered = sorted(found, key=lambda e: (e["start_ms"], e["end_ms"], e["type"]))
    return [{"id": f"vb-{i:03d}", **e} for i, e in enumerate(ordered, start=1)]


def _career_text(u: Utterance, config: PipelineConfig) -> str:
    words = quote(u.text, config.verbal_quote_words)
    return (
        f"At {clock(u.start_ms)} {u.speaker} offered career advice: \u201c{words}\u201d. "
        "Advice about other roles or your career can mean they see a gap for this one: ask "
        "directly, e.g. \"Is there anything in my background you're unsure about for this "
        'role?", and answer that concern.'
    )


def _follow_up_text(e: Event) -> str:
    return (
        f"From {clock(e['start_ms'])} the questions stopped building on your answers "
        f"({e['detail']}). Change tactics: end answers with a concrete result or a hook they "
        'can pick up, and invite a follow-up ("I can go deeper on the numbers").'
    )


def _logistics_text(e: Event) -> str:
    return (
        "No talk of pay, start date, references or next steps was heard after "
        f"{clock(e['start_ms'])}. In a mock interview that may just be the format; in a real "
        "one, ask about next steps before the end or in your thank-you note."
    )


def verbal_advice(verbal: Verbal, events: list[Event], config: PipelineConfig) -> list[Advice]:
    """Advice for each verbal event, quoting the words and the time.

    Args:
        verbal: the transcript's signs.
        events: the verbal events, with ids.
        config: `verbal_quote_words`.
    """
    by_cue = {s.utterance.cue: s.utterance for s in verbal.utterances}
    out: list[Advice] = []
    for e in events:
        if e["type"] == "career_advice_given":
            strategy, text = "respond_in_moment", _career_text(by_cue[e["cue"]], config)
        elif e["type"] in ("follow_ups_stopped", "no_follow_ups"):
            strategy, text = "change_strategy", _follow_up_text(e)
        else:
            strategy, text = "thank_you_note", _logistics_text(e)
        out.append(
            {"at_ms": e["start_ms"], "strategy": strategy, "text": text, "event_ids": [e["id"]]}
        )
    return out


def verbal_json(verbal: Verbal) -> dict[str, Any]:
    """The result.json `verbal` block (ARCHITECTURE section 6)."""
    return {
        "format": verbal.format,
        "interviewer_speaker": verbal.interviewer_speaker,
        "interviewer_chosen_by": verbal.interviewer_chosen_by,
        "utterances": [
            {
                "cue": u.utterance.cue,
                "start_ms": u.utterance.start_ms,
                "end_ms": u.utterance.end_ms,
                "speaker": u.utterance.speaker,
                "role": u.role,
                "text": u.utterance.text,
                "signs": list(u.signs),
            }
            for u in verbal.utterances
        ],
        "summary": verbal.summary(),
    }

"""The report's conversation: who speaks when (a band under the timeline, on its time axis)
and the table of answers with the interviewer's attention during each."""

from __future__ import annotations

from html import escape
from typing import Any

from pipeline.attention.runs import clock, seconds
from pipeline.outputs.report_chart import LEFT, WIDTH, chart_duration_ms, x_of

ROLE_COLOURS = {"interviewer": "#4a4a58", "candidate": "#2a9d8f", "other": "#b8b8b8"}
BAND_Y, BAND_H, HEIGHT = 4, 16, 24
SHARES = ("screen", "down", "away", "closed", "absent", "note_taking")


def _who(turn: dict[str, Any]) -> str:
    return (
        f"{turn['role']} ({turn['speaker']})"
        if turn["speaker"] != "unseen"
        else (f"{turn['role']} (not in the picture)")
    )


def turns_svg(result: dict[str, Any]) -> str:
    """One clickable bar per turn, coloured by role, aligned with the timeline chart."""
    turns = (result.get("speech") or {}).get("turns") or []
    if not turns:
        return ""
    duration = chart_duration_ms(result)
    bars = []
    for t in turns:
        x0, x1 = x_of(t["start_ms"], duration), x_of(t["end_ms"], duration)
        title = f"{clock(t['start_ms'])}-{clock(t['end_ms'])} {_who(t)}"
        bars.append(
            f'<g class="turn seek" data-ms="{int(t["start_ms"])}" data-role="{escape(t["role"])}">'
            f"<title>{escape(title)}</title>"
            f'<rect x="{x0}" y="{BAND_Y}" width="{max(x1 - x0, 1.0):.2f}" height="{BAND_H}" '
            f'fill="{ROLE_COLOURS.get(t["role"], "#999")}"/></g>'
        )
    label = f'<text class="label" x="{LEFT - 6}" y="{BAND_Y + 12}" text-anchor="end">talk</text>'
    return (
        f'<svg id="turns" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-label="Who speaks when: the conversation\'s turns">'
        + label
        + "".join(bars)
        + "</svg>"
    )


def turns_legend(result: dict[str, Any]) -> str:
    """Colour keys of the roles present, with the talk shares."""
    speech = result.get("speech") or {}
    if not speech.get("turns"):
        return ""
    share = speech.get("talk_share") or {}
    keys = "".join(
        f'<span><i style="background:{c}"></i>{escape(role)} {share.get(role, 0):.0%}</span>'
        for role, c in ROLE_COLOURS.items()
        if role in share
    )
    return f'<p class="legend">{keys}<span>silence {share.get("silence", 0):.0%}</span></p>'


def answers_table(result: dict[str, Any]) -> str:
    """One clickable row per answer: when, how long, and the interviewer's state shares."""
    speech = result.get("speech") or {}
    answers = [t for t in speech.get("turns") or [] if t["role"] == "candidate"]
    if not answers:
        return _no_answers(str(speech.get("audio") or "no_audio"))
    rows = "".join(_answer_row(a) for a in answers)
    head = (
        "<tr><th>Answer</th><th>Length</th>"
        + "".join(f"<th>{escape(s.replace('_', ' '))}</th>" for s in SHARES)
        + "</tr>"
    )
    return f'<table id="answers">{head}{rows}</table>{_lengths(speech.get("answers") or {})}'


def _lengths(stats: dict[str, Any]) -> str:
    """Answer lengths and, where the call has long and short answers, the interviewer's
    share on the screen in each: an observation, not a diagnosis."""
    if not stats.get("count"):
        return ""
    n = int(stats["count"])
    text = (
        f"{n} answer{'s' if n != 1 else ''}; the longest {seconds(int(stats['longest_ms']))}, "
        f"the median {seconds(int(stats['median_ms']))}."
    )
    if "screen_share_long" in stats:
        text += (
            f" The interviewer was on the screen {stats['screen_share_long']:.0%} of the time "
            f"during answers of 2 minutes or more, {stats['screen_share_short']:.0%} during "
            "shorter ones."
        )
    return f'<p class="note" id="answer-lengths">{escape(text)}</p>'


def _answer_row(a: dict[str, Any]) -> str:
    shares = a.get("interviewer") or {}
    cells = "".join(f"<td>{shares[s]:.0%}</td>" if s in shares else "<td>-</td>" for s in SHARES)
    return (
        f'<tr class="seek answer" data-ms="{int(a["start_ms"])}" id="{escape(a["id"])}">'
        f'<td><button class="time" type="button">{clock(a["start_ms"])}</button></td>'
        f"<td>{seconds(int(a['end_ms']) - int(a['start_ms']))}</td>{cells}</tr>"
    )


def _no_answers(audio: str) -> str:
    why = {
        "no_audio": "The recording has no sound, so the answers are not known.",
        "no_speech": "No speech was heard in the recording.",
    }.get(audio, "No answer by the candidate was found.")
    return f'<p class="note" id="answers">{escape(why)}</p>'

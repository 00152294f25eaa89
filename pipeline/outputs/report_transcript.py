"""The transcript beside the timeline: every cue with its time, speaker and signs highlighted;
a click on a cue seeks the player (the page wires every `[data-ms]` element)."""

from __future__ import annotations

from html import escape
from typing import Any

from pipeline.attention.runs import clock

SIGN_TITLES = {
    "question": "question",
    "follow_up": "follow-up",
    "logistics": "logistics",
    "selling": "selling",
    "career_advice": "career advice",
}
SIGN_COLOURS = {
    "question": "#e8e8e8",
    "follow_up": "#cfe8d4",
    "logistics": "#d6e4f5",
    "selling": "#f5e6c8",
    "career_advice": "#f5d0d0",
}
# Scoped by the panel's id; report.html includes it, the web page's app.css has the same rules
# (its Content-Security-Policy refuses inline style elements).
TRANSCRIPT_CSS = (
    "#transcript{max-height:380px;overflow-y:auto;background:#fff;border-radius:10px;"
    "padding:4px 0;margin:0}"
    "#transcript li{list-style:none;padding:5px 12px;border-bottom:1px solid #f0f0f0;"
    "font-size:.92rem;cursor:pointer}"
    "#transcript li:hover{background:#fff6e5}"
    "#transcript li.interviewer{border-left:3px solid #888}"
    "#transcript li.signed{background:#fbfaf3}"
    "#transcript .who{font-weight:600;margin:0 6px}"
    "#transcript .sign{display:inline-block;border-radius:9px;padding:0 7px;margin-left:5px;"
    "font-size:.78rem}"
    "#transcript button.time{font:inherit;border:1px solid #ccc;background:#fff;"
    "border-radius:6px;padding:1px 7px;cursor:pointer}"
)


def _sign(sign: str) -> str:
    colour = SIGN_COLOURS.get(sign, "#eee")
    title = escape(SIGN_TITLES.get(sign, sign))
    return f'<span class="sign sign-{escape(sign)}" style="background:{colour}">{title}</span>'


def _cue(u: dict[str, Any]) -> str:
    signs = list(u.get("signs") or [])
    classes = " ".join(["seek", "cue", str(u.get("role", "")), "signed" if signs else ""])
    return (
        f'<li class="{escape(classes.strip())}" data-ms="{int(u["start_ms"])}" '
        f'data-cue="{int(u["cue"])}">'
        f'<button class="time" type="button">{clock(int(u["start_ms"]))}</button>'
        # The page labels each time button with the row's <b> (here, who speaks).
        f'<b class="who">{escape(str(u.get("speaker") or "?"))}</b>'
        f"{escape(str(u.get('text', '')))}{''.join(_sign(s) for s in signs)}</li>"
    )


def heard_line(verbal: dict[str, Any]) -> str:
    """What was and was not heard from the interviewer, in words."""
    s = verbal.get("summary") or {}
    counts = {
        "questions": s.get("questions", 0),
        "follow-ups": s.get("follow_ups", 0),
        "logistics": s.get("logistics", 0),
        "selling": s.get("selling", 0),
        "career advice": s.get("career_advice", 0),
    }
    heard = ", ".join(
        f"{n} {k[:-1] if n == 1 and k.endswith('s') else k}" for k, n in counts.items() if n
    )
    missing = ", ".join(k for k, n in counts.items() if not n)
    who = f"{verbal.get('interviewer_speaker', '')} ({verbal.get('interviewer_chosen_by', '')})"
    return f"Heard from {who}: {heard or 'nothing'}" + (
        f"; not heard: {missing}." if missing else "."
    )


def transcript_panel(verbal: dict[str, Any] | None, heading: str = "h2") -> str:
    """The transcript section, or "" when the analysis had no transcript.

    Args:
        verbal: the result's `verbal` block (ARCHITECTURE section 6) or None.
        heading: the section heading's tag (the web page nests the report one level down).
    """
    if not verbal:
        return ""
    cues = "".join(_cue(u) for u in verbal.get("utterances", []))
    return (
        f'<{heading} id="transcript-heading">Transcript</{heading}>'
        f'<p class="note" id="transcript-heard">{escape(heard_line(verbal))} '
        "Signs are read from the words (English); a click on a line jumps there.</p>"
        f'<ul id="transcript" aria-labelledby="transcript-heading">{cues}</ul>'
    )

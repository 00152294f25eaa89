"""report.html: one self-contained page (inline CSS, SVG and JS; nothing fetched)."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote, urlsplit

from pipeline.attention.runs import clock, seconds
from pipeline.outputs.report_chart import STATE_COLOURS, timeline_svg
from pipeline.outputs.report_transcript import TRANSCRIPT_CSS, transcript_panel
from pipeline.outputs.report_turns import answers_table, turns_legend, turns_svg

STRATEGY_TITLES = {
    "respond_in_moment": "Respond in the moment",
    "stay_upbeat": "Stay upbeat",
    "change_strategy": "Change strategy midstream",
    "thank_you_note": "Thank-you note",
}
NONE = "&ndash;"  # a figure that could not be measured
TREND_WORDS = {
    "declining": "more disengagement later in the call",
    "improving": "less disengagement later in the call",
    "stable": "no clear change over the call",
}

CSS = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;
background:#f6f6f4}
body{max-width:1060px;margin:0 auto;padding:24px 20px 60px}
h1{font-size:1.15rem;margin:0 0 4px;color:#555;font-weight:600}
.headline{font-size:1.5rem;line-height:1.3;margin:4px 0 18px;font-weight:600}
h2{font-size:1.05rem;margin:28px 0 10px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px}
.card{background:#fff;border-radius:10px;padding:12px 14px;box-shadow:0 1px 2px #0001}
.card .v{font-size:1.6rem;font-weight:700}.card .k{color:#666;font-size:.85rem}
.shares{display:flex;height:14px;border-radius:7px;overflow:hidden;margin-top:8px}
.legend span{display:inline-block;margin-right:14px;font-size:.85rem}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;
vertical-align:-1px}
video{width:100%;max-height:420px;background:#000;border-radius:10px}
svg{width:100%;height:auto;background:#fff;border-radius:10px;display:block}
svg .score{fill:#c0392b22}svg .score-line{stroke:#c0392b;stroke-width:2}
svg .abstain{fill:#0000000d}svg .grid{stroke:#eee}svg .tick{stroke:#999}
svg .label{font-size:11px;fill:#777}svg .mark{cursor:pointer}
#playhead{stroke:#111;stroke-width:1.5;stroke-dasharray:3 2}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:10px;overflow:hidden}
td,th{padding:7px 10px;text-align:left;border-bottom:1px solid #eee;font-size:.92rem;
vertical-align:top}
th{background:#fafafa;font-weight:600}
.seek{cursor:pointer}tr.seek:hover{background:#fff6e5}
button.time{font:inherit;border:1px solid #ccc;background:#fff;border-radius:6px;
padding:1px 7px;cursor:pointer}
.advice li{background:#fff;border-radius:10px;padding:10px 14px;margin-bottom:8px;
list-style:none;box-shadow:0 1px 2px #0001}
.advice ul{padding:0}.advice b{margin-right:8px}
.note{color:#666;font-size:.85rem}
"""

JS = """
(function () {
  var video = document.getElementById('player');
  var svg = document.getElementById('timeline');
  var head = document.getElementById('playhead');
  var left = +svg.getAttribute('data-left'), width = +svg.getAttribute('data-width');
  var duration = +svg.getAttribute('data-duration');
  function seek(ms) {
    if (!video) { return; }
    video.currentTime = ms / 1000;
    moveHead(ms);
  }
  function moveHead(ms) {
    var x = left + width * Math.min(Math.max(ms / duration, 0), 1);
    head.setAttribute('x1', x); head.setAttribute('x2', x);
  }
  document.querySelectorAll('[data-ms]').forEach(function (el) {
    el.addEventListener('click', function (ev) {
      ev.stopPropagation();
      seek(+el.getAttribute('data-ms'));
    });
  });
  svg.addEventListener('click', function (ev) {
    var box = svg.getBoundingClientRect();
    var x = (ev.clientX - box.left) * svg.viewBox.baseVal.width / box.width;
    if (x >= left && x <= left + width) { seek((x - left) / width * duration); }
  });
  if (video) {
    video.addEventListener('timeupdate', function () { moveHead(video.currentTime * 1000); });
  }
})();
"""


def _safe_href(href: str) -> str:
    """A relative file name is percent-encoded; only http(s) and file URLs pass as they are."""
    scheme = urlsplit(href).scheme.lower()
    if scheme in ("http", "https", "file"):
        return href
    if scheme:
        raise ValueError(f"video_href {href!r}: expected a relative path or an http(s)/file URL")
    return quote(href, safe="/%#?=&")


def _pct(value: Any) -> str:
    return NONE if value is None else f"{float(value):.0%}"


def _card(key: str, value: str, extra: str = "") -> str:
    return (
        f'<div class="card"><div class="k">{escape(key)}</div>'
        f'<div class="v">{value}</div>{extra}</div>'
    )


def _share_bar(ratios: dict[str, Any]) -> str:
    parts = "".join(
        f'<i style="flex:{float(ratios.get(k) or 0):.4f};background:{c}" '
        f'title="{k} {_pct(ratios.get(k))}"></i>'
        for k, c in STATE_COLOURS.items()
    )
    return f'<div class="shares">{parts}</div>'


def summary_cards(summary: dict[str, Any]) -> str:
    """Score, trend, state shares and note-taking share."""
    score = summary.get("disengagement_score")
    trend = summary.get("trend") or {}
    direction = str(trend.get("direction", "stable"))
    ratios = summary.get("ratios") or {}
    return (
        '<div class="cards">'
        + "".join(
            [
                _card("Disengagement score (0-100)", NONE if score is None else f"{score:.0f}"),
                _card(
                    "Trend",
                    escape(direction),
                    f'<div class="note">{escape(TREND_WORDS.get(direction, ""))} '
                    f"({float(trend.get('change', 0.0)):+.0f} points)</div>",
                ),
                _card("On the screen", _pct(ratios.get("screen")), _share_bar(ratios)),
                _card("Taking notes", _pct(summary.get("note_taking_ratio"))),
            ]
        )
        + "</div>"
    )


def legend() -> str:
    """Colour key of the chart."""
    keys = [*STATE_COLOURS.items(), ("taking notes", "#2e6fb7"), ("score", "#c0392b")]
    return (
        '<p class="legend">'
        + "".join(f'<span><i style="background:{c}"></i>{escape(k)}</span>' for k, c in keys)
        + "</p>"
    )


def _time_button(ms: int) -> str:
    return f'<button class="time" type="button">{clock(ms)}</button>'


def _lasted(ms: int) -> str:
    return seconds(ms) if ms > 0 else NONE  # start and stop events are instants


def events_table(events: list[dict[str, Any]]) -> str:
    """One clickable row per event."""
    if not events:
        return '<p class="note">No events.</p>'
    rows = "".join(
        f'<tr class="seek" data-ms="{int(e["start_ms"])}" id="{escape(str(e.get("id", "")))}">'
        f"<td>{_time_button(int(e['start_ms']))}</td>"
        f"<td>{escape(str(e['type']).replace('_', ' '))}</td>"
        f"<td>{_lasted(int(e['end_ms']) - int(e['start_ms']))}</td>"
        f"<td>{float(e.get('confidence', 0)):.0%}</td>"
        f"<td>{escape(str(e.get('detail', '')))}</td></tr>"
        for e in events
    )
    head = "<tr><th>At</th><th>Event</th><th>Lasted</th><th>Confidence</th><th>Seen</th></tr>"
    return f'<table id="events">{head}{rows}</table>'


def advice_list(advice: list[dict[str, Any]]) -> str:
    """The advice items, each with its time (clickable) and move."""
    if not advice:
        return '<p class="note">No advice.</p>'
    items = "".join(
        f'<li class="seek" data-ms="{int(a["at_ms"])}">{_time_button(int(a["at_ms"]))} '
        f"<b>{escape(STRATEGY_TITLES.get(str(a['strategy']), str(a['strategy'])))}</b>"
        f"{escape(str(a.get('text', '')))}</li>"
        for a in advice
    )
    return f'<div class="advice"><ul>{items}</ul></div>'


def _media_line(result: dict[str, Any]) -> str:
    media = result.get("media") or {}
    return (
        f"{clock(int(media.get('duration_ms') or 0))} recording, "
        f"{int(media.get('frames_analysed') or 0)} frames analysed"
    )


def render_report(result: dict[str, Any], video_href: str | None = None) -> str:
    """The full self-contained report page.

    Args:
        result: the result.json body, with `timeline` (per-frame states of the participant).
        video_href: where the recording is, relative to the report (it sits beside it); when
            given, the page embeds a player that clicks on events and advice seek.

    Returns:
        The HTML document.

    Raises:
        ValueError: `video_href` has a scheme other than http(s) or file.
    """
    summary = result.get("summary") or {}
    player = (
        ""
        if video_href is None
        else f'<video id="player" src="{escape(_safe_href(video_href))}" controls '
        'preload="auto"></video>'
    )
    hint = "" if video_href else '<p class="note">Open with the recording beside it to jump.</p>'
    return "".join(
        [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width,initial-scale=1">',
            f"<title>cuewatch report</title><style>{CSS}{TRANSCRIPT_CSS}</style></head><body>",
            f"<h1>Interviewer body language · {escape(_media_line(result))}</h1>",
            f'<p class="headline" id="headline">{escape(str(summary.get("headline", "")))}</p>',
            summary_cards(summary),
            player,
            "<h2>Timeline</h2>",
            timeline_svg(result),
            turns_svg(result),
            legend(),
            turns_legend(result),
            "<h2>Answers</h2>",
            answers_table(result),
            transcript_panel(result.get("verbal")),
            "<h2>Advice</h2>",
            advice_list(result.get("advice", [])),
            "<h2>Events</h2>",
            hint,
            events_table(result.get("events", [])),
            '<p class="note">Observed behaviour only (where the face and eyes pointed); it says '
            "nothing about what the interviewer thought or felt.</p>",
            f"<script>{JS}</script></body></html>",
        ]
    )

"""The report as a fragment for the web page, built from the report's own parts.

The page puts it inside its report view and wires the clicks (`[data-ms]` elements seek the
player that takes the place of `#player-slot`); the markup is `pipeline.outputs.report`'s, so
the page and `report.html` show the same chart, events and advice.
"""

from __future__ import annotations

from html import escape
from typing import Any


def report_fragment(result: dict[str, Any]) -> str:
    """Headline, summary figures, player slot, timeline with the turns, answers, advice and
    events as HTML.

    Args:
        result: the result.json body.
    """
    from pipeline.attention.runs import clock
    from pipeline.outputs.report import advice_list, events_table, legend, summary_cards
    from pipeline.outputs.report_chart import timeline_svg
    from pipeline.outputs.report_transcript import transcript_panel
    from pipeline.outputs.report_turns import answers_table, turns_legend, turns_svg

    summary = result.get("summary") or {}
    media = result.get("media") or {}
    return "".join(
        [
            f'<p class="meta">{clock(int(media.get("duration_ms") or 0))} recording, '
            f"{int(media.get('frames_analysed') or 0)} frames analysed</p>",
            f'<p class="headline" id="headline">{escape(str(summary.get("headline", "")))}</p>',
            summary_cards(summary),
            '<div id="player-slot"></div>',
            '<h3 id="timeline-heading">Timeline</h3>',
            # On a narrow screen the chart keeps a legible size and scrolls sideways.
            '<div class="chart-scroll" tabindex="0" role="region" '
            'aria-labelledby="timeline-heading">',
            timeline_svg(result),
            turns_svg(result),
            "</div>",
            legend(),
            turns_legend(result),
            "<h3>Answers</h3>",
            f'<div class="scroll">{answers_table(result)}</div>',
            transcript_panel(result.get("verbal"), heading="h3"),
            "<h3>Advice</h3>",
            advice_list(result.get("advice", [])),
            "<h3>Events</h3>",
            f'<div class="scroll">{events_table(result.get("events", []))}</div>',
            '<p class="note">Observed behaviour only (where the face and eyes pointed); it says '
            "nothing about what the interviewer thought or felt.</p>",
        ]
    )

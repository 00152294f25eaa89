"""The report's timeline chart: inline SVG of the score, the states and the events over time."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from pipeline.attention.runs import clock

WIDTH, LEFT, RIGHT = 1000, 44, 12
PLOT_W = WIDTH - LEFT - RIGHT
SCORE_TOP, SCORE_BOTTOM = 10, 120
STATE_Y, STATE_H = 132, 18
NOTES_Y, NOTES_H = 154, 8
EVENTS_Y = 168
AXIS_Y = 196
HEIGHT = 206
# More columns than this cannot be told apart at the chart's width; longer timelines are
# summarised per column by their most frequent state.
MAX_COLUMNS = 1_500
STATE_COLOURS = {
    "screen": "#3f9b5a",
    "down": "#3d7cc9",
    "away": "#e8912d",
    "closed": "#8e5bb5",
    "absent": "#a3a3a3",
}
EVENT_COLOURS = {
    "eye_contact_lost": "#c0392b",
    "looking_away": "#e8912d",
    "face_absent": "#7f7f7f",
    "eyes_closed": "#8e5bb5",
    "note_taking_started": "#2e6fb7",
    "note_taking_stopped": "#16406e",
    "engagement_drop": "#8b0000",
}

Segment = tuple[int, int, str]


def x_of(ms: float, duration_ms: int) -> float:
    """Horizontal position of a media time on the chart."""
    return round(LEFT + PLOT_W * min(max(ms / max(duration_ms, 1), 0.0), 1.0), 2)


def _column_labels(
    times: list[int], labels: list[str], duration_ms: int, columns: int
) -> list[str]:
    buckets: list[list[str]] = [[] for _ in range(columns)]
    for t, label in zip(times, labels, strict=True):
        buckets[min(columns - 1, t * columns // max(duration_ms, 1))].append(label)
    return [Counter(b).most_common(1)[0][0] if b else "" for b in buckets]


def segments(times: list[int], labels: list[str], duration_ms: int) -> list[Segment]:
    """Runs of equal labels as `(start_ms, end_ms, label)`, at most `MAX_COLUMNS` of them.

    Args:
        times: frame times, sorted.
        labels: one label per frame ("" for none).
        duration_ms: recording length (the last frame runs to it).
    """
    if not times:
        return []
    if len(times) > MAX_COLUMNS:
        step = duration_ms / MAX_COLUMNS
        labels = _column_labels(times, labels, duration_ms, MAX_COLUMNS)
        times = [round(i * step) for i in range(MAX_COLUMNS)]
    ends = [*times[1:], duration_ms]
    runs: list[Segment] = []
    for start, end, label in zip(times, ends, labels, strict=True):
        if runs and runs[-1][2] == label and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end, label)
        else:
            runs.append((start, end, label))
    return [r for r in runs if r[2]]


def _rect(seg: Segment, band: tuple[int, int], colour: str, duration_ms: int, title: str) -> str:
    x0, x1 = x_of(seg[0], duration_ms), x_of(seg[1], duration_ms)
    y, h = band
    return (
        f'<rect x="{x0}" y="{y}" width="{max(x1 - x0, 0.5):.2f}" height="{h}" '
        f'fill="{colour}"><title>{escape(title)}</title></rect>'
    )


def state_band(timeline: dict[str, list[Any]], duration_ms: int) -> list[str]:
    """Coloured runs of the attention states and, below them, the note-taking runs."""
    times = [int(t) for t in timeline.get("timestamp_ms", [])]
    states = [str(s) for s in timeline.get("attention", [])]
    notes = ["notes" if n else "" for n in timeline.get("note_taking", [0] * len(times))]
    out = [
        _rect(
            s,
            (STATE_Y, STATE_H),
            STATE_COLOURS.get(s[2], "#ccc"),
            duration_ms,
            f"{s[2]} {clock(s[0])}-{clock(s[1])}",
        )
        for s in segments(times, states, duration_ms)
    ]
    out += [
        _rect(
            s,
            (NOTES_Y, NOTES_H),
            "#2e6fb7",
            duration_ms,
            f"taking notes {clock(s[0])}-{clock(s[1])}",
        )
        for s in segments(times, notes, duration_ms)
    ]
    return out


def _score_y(score: float) -> float:
    return round(SCORE_BOTTOM - (SCORE_BOTTOM - SCORE_TOP) * score / 100.0, 2)


def score_layer(windows: list[dict[str, Any]], duration_ms: int) -> list[str]:
    """Each window's score as a step, abstaining windows as a grey band with the reason."""
    out: list[str] = []
    for w in windows:
        x0, x1 = x_of(w["start_ms"], duration_ms), x_of(w["end_ms"], duration_ms)
        span = f"{clock(w['start_ms'])}-{clock(w['end_ms'])}"
        score = w.get("disengagement_score")
        if score is None:
            out.append(
                f'<rect class="abstain" x="{x0}" y="{SCORE_TOP}" width="{x1 - x0:.2f}" '
                f'height="{SCORE_BOTTOM - SCORE_TOP}"><title>{escape(span)}: no score, '
                f"{escape(str(w.get('abstain_reason') or ''))}</title></rect>"
            )
            continue
        y = _score_y(float(score))
        out.append(
            f'<rect class="score" x="{x0}" y="{y}" width="{x1 - x0:.2f}" '
            f'height="{SCORE_BOTTOM - y:.2f}"><title>{escape(span)}: score '
            f"{score:.0f}</title></rect>"
        )
        out.append(f'<line class="score-line" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}"/>')
    return out


def event_marks(events: list[dict[str, Any]], duration_ms: int) -> list[str]:
    """Clickable marks for the events (a bar over their span, a tick at their start)."""
    out: list[str] = []
    for e in events:
        x0, x1 = x_of(e["start_ms"], duration_ms), x_of(e["end_ms"], duration_ms)
        colour = EVENT_COLOURS.get(str(e["type"]), "#555")
        title = f"{clock(e['start_ms'])} {str(e['type']).replace('_', ' ')}: {e.get('detail', '')}"
        out.append(
            f'<g class="mark seek" data-ms="{int(e["start_ms"])}" '
            f'data-event="{escape(str(e.get("id", "")))}">'
            f"<title>{escape(title)}</title>"
            f'<rect x="{x0}" y="{EVENTS_Y}" width="{max(x1 - x0, 2.0):.2f}" height="10" '
            f'fill="{colour}"/></g>'
        )
    return out


def _tick_ms(duration_ms: int) -> int:
    for step in (5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000):
        if duration_ms / step <= 10:
            return step
    return 3_600_000


def axis(duration_ms: int) -> list[str]:
    """Time ticks under the chart and score gridlines beside it."""
    step = _tick_ms(duration_ms)
    out = [
        f'<line class="grid" x1="{LEFT}" y1="{_score_y(s)}" x2="{WIDTH - RIGHT}" '
        f'y2="{_score_y(s)}"/><text class="label" x="{LEFT - 6}" y="{_score_y(s) + 4}" '
        f'text-anchor="end">{s}</text>'
        for s in (0, 50, 100)
    ]
    for ms in range(0, duration_ms + 1, step):
        x = x_of(ms, duration_ms)
        out.append(
            f'<line class="tick" x1="{x}" y1="{AXIS_Y - 10}" x2="{x}" y2="{AXIS_Y - 6}"/>'
            f'<text class="label" x="{x}" y="{AXIS_Y + 4}" text-anchor="middle">'
            f"{clock(ms)}</text>"
        )
    return out


def timeline_svg(result: dict[str, Any]) -> str:
    """The whole chart as one `<svg>` element (no external references).

    Args:
        result: the result.json body; uses media.duration_ms, windows, events and timeline.
    """
    duration = chart_duration_ms(result)
    body = [
        *score_layer(result.get("windows", []), duration),
        *state_band(result.get("timeline") or {}, duration),
        *event_marks(result.get("events", []), duration),
        *axis(duration),
        f'<line id="playhead" x1="{LEFT}" y1="{SCORE_TOP}" x2="{LEFT}" y2="{EVENTS_Y + 10}"/>',
    ]
    return (
        f'<svg id="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'data-left="{LEFT}" data-width="{PLOT_W}" data-duration="{duration}" '
        'aria-label="Disengagement score, attention states and events over the recording">'
        + "".join(body)
        + "</svg>"
    )


def chart_duration_ms(result: dict[str, Any]) -> int:
    """The time span the chart covers: the media duration, or whatever the data reach."""
    ends = [int(result.get("media", {}).get("duration_ms") or 0)]
    ends += [int(w["end_ms"]) for w in result.get("windows", [])]
    ends += [int(t) + 1 for t in (result.get("timeline") or {}).get("timestamp_ms", [])[-1:]]
    return max(*ends, 1)

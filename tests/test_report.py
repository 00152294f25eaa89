"""report.html: self-contained, escaped, and working in a real headless Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import PipelineConfig
from pipeline.outputs.report import render_report
from pipeline.outputs.report_chart import MAX_COLUMNS, segments
from pipeline.verdict.aggregate import aggregate, timeline
from tests.conftest import shared_path
from tests.test_aggregate_factories import Segment, rhythm, signals_for, states_from, total_ms

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CLIP = "videos/interview_woman_talking.mp4"  # 15.5 s


def make_result(segments_: list[Segment]) -> dict[str, Any]:
    """A result.json body as analyze writes it, from hand-built states."""
    states = states_from(segments_)
    duration = total_ms(segments_)
    agg = aggregate(signals_for(states), states, PipelineConfig(), duration)
    return {
        "schema_version": 1,
        "media": {
            "duration_ms": duration,
            "fps": 5.0,
            "width": 596,
            "height": 336,
            "codec": "h264",
            "frames_analysed": len(states),
        },
        "pipeline": {"version": "test", "config": PipelineConfig().as_dict()},
        "participants": [],
        "summary": agg.summary,
        "windows": agg.windows,
        "events": agg.events,
        "advice": agg.advice,
        "timeline": timeline(states, agg.note_taking),
    }


# Fits the 15 s clip: looking away at 4 s, eyes closed at 9 s.
SHORT = [
    ("screen", 4_000),
    ("away", 3_000),
    ("screen", 2_000),
    ("closed", 2_000),
    ("screen", 4_400),
]


def test_report_is_self_contained() -> None:
    html = render_report(make_result([("screen", 60_000), *rhythm(5), ("screen", 60_000)]))
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert '<svg id="timeline"' in html and "<video" not in html


def test_report_shows_headline_events_and_advice() -> None:
    result = make_result(SHORT)
    html = render_report(result, "clip.mp4")
    assert result["summary"]["headline"] in html
    assert html.count('class="seek" data-ms=') >= len(result["events"]) + len(result["advice"])
    assert '<video id="player" src="clip.mp4"' in html
    assert "Thank-you note" in html


def test_text_is_escaped() -> None:
    result = make_result(SHORT)
    result["events"][0]["detail"] = "<script>alert(1)</script>"
    result["summary"]["headline"] = "A & B <b>"
    html = render_report(result, "my clip.mp4")
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "A &amp; B &lt;b&gt;" in html
    assert 'src="my%20clip.mp4"' in html


def test_a_script_url_is_refused() -> None:
    with pytest.raises(ValueError, match="javascript:alert"):
        render_report(make_result(SHORT), "javascript:alert(1)")


def test_long_timelines_are_summarised_per_column() -> None:
    # two hours at 5 frames a second, alternating every frame: far more runs than pixels
    times = list(range(0, 7_200_000, 200))
    labels = ["screen", "away"] * (len(times) // 2)
    runs = segments(times, labels, 7_200_000)
    assert len(runs) <= MAX_COLUMNS
    assert runs[0][0] == 0 and runs[-1][1] == 7_200_000


def test_report_without_timeline_or_scores_still_renders() -> None:
    result = make_result([("absent", 20_000)])
    del result["timeline"]
    html = render_report(result)
    assert "Too little of the interviewer" in html and "&ndash;" in html


def _browser() -> Any:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (bash .ci/install-browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    return sync_api


@pytest.fixture
def report_page(tmp_path: Path) -> Any:
    """The report of a short result opened in Chromium, with the real clip beside it."""
    sync_api = _browser()
    shutil.copy(shared_path(CLIP), tmp_path / "clip.mp4")
    result = make_result(SHORT)
    (tmp_path / "report.html").write_text(render_report(result, "clip.mp4"), encoding="utf-8")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((tmp_path / "report.html").as_uri())
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        yield page, result, errors
        browser.close()


def _current_time(page: Any) -> float:
    return float(page.evaluate("document.getElementById('player').currentTime"))


@pytest.mark.browser
def test_report_renders_in_chromium(report_page: Any) -> None:
    page, result, errors = report_page
    assert page.inner_text("#headline") == result["summary"]["headline"]
    assert page.locator("#timeline rect").count() > 5
    box = page.locator("#timeline").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 50
    assert page.locator("#events tr.seek").count() == len(result["events"])
    assert errors == []


@pytest.mark.browser
def test_clicking_an_event_seeks_the_video(report_page: Any) -> None:
    page, result, errors = report_page
    (closed,) = [e for e in result["events"] if e["type"] == "eyes_closed"]
    page.click(f"#events tr[id='{closed['id']}']")
    page.wait_for_function("document.getElementById('player').seeking === false")
    assert _current_time(page) == pytest.approx(closed["start_ms"] / 1000, abs=0.05)
    (away,) = [e for e in result["events"] if e["type"] == "looking_away"]
    page.click(f"#timeline g[data-event='{away['id']}']")
    page.wait_for_function("document.getElementById('player').seeking === false")
    assert _current_time(page) == pytest.approx(away["start_ms"] / 1000, abs=0.05)
    assert errors == []

"""The web page end to end: `cuewatch serve` (real workers, real pipeline) and headless Chromium.

Each step leaves a screenshot in test-artifacts/ui/ (not committed). The page runs under its
own Content-Security-Policy, so in-page waits poll with `page.evaluate` (Playwright's
`wait_for_function` would need `unsafe-eval`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import Any

import httpx
import pytest

from tests.test_report import CHROMIUM, CHROMIUM_ARGS
from tests.test_service_support import REPO, clip, cuewatch, free_port, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.mediapipe]

ARTIFACTS = REPO / "test-artifacts" / "ui"
# 15 s, one person who looks aside for 4.6 s from 5.8 s: one looking_away event.
CLIP = "phone_eyes_center_left_center.mp4"
# 3 s, one person: the failed analysis (a fourth person who is not there) and key mode.
SHORT_CLIP = "studio_d0_glance.mp4"
# 8.8 MB: over the upload limit the servers here are given.
BIG_CLIP = "webcam_lab_student.mp4"
MAX_UPLOAD_BYTES = 6_000_000
WIDE = {"width": 1100, "height": 900}
NARROW = {"width": 390, "height": 844}


@dataclass
class Server:
    url: str
    data: Path
    proc: Popen[bytes]


@dataclass
class Tab:
    """A page with what it logged and fetched."""

    page: Any
    server: Server
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def until(self, expression: str, what: str, timeout_s: float = 20) -> Any:
        return wait_for(lambda: self.page.evaluate(expression), timeout_s, what)

    def alert(self, timeout_s: float = 20) -> str:
        text: str = self.until(
            "document.getElementById('alert').innerText", "an error message", timeout_s
        )
        return text

    def dismiss_alert(self) -> None:
        self.page.click("#alert button")

    def api(self, path: str, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.get(self.server.url + path, headers=headers, timeout=30)

    def player_time(self) -> float:
        return float(self.page.evaluate("document.getElementById('player').currentTime"))

    def seeked_to(self, seconds: float) -> None:
        self.until(
            "(() => { const v = document.getElementById('player');"
            f" return !v.seeking && Math.abs(v.currentTime - {seconds}) < 0.05; }})()",
            f"the player to seek to {seconds} s",
        )


def _ready(url: str, proc: Popen[bytes]) -> bool:
    if proc.poll() is not None:
        pytest.fail(f"cuewatch serve exited with {proc.returncode}")
    try:
        return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _serve(tmp_path: Path, env: dict[str, str]) -> Iterator[Server]:
    port, data = free_port(), tmp_path / "data"
    env = {"CUEWATCH_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES), **env}
    args = ["serve", "--port", str(port), "--data-dir", str(data), "--workers", "1"]
    with cuewatch(args, env, tmp_path / "serve.log") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _ready(url, proc), 60, "the server to be ready")
        yield Server(url, data, proc)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (bash .ci/install-browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open(browser: Any, server: Server) -> Tab:
    page = browser.new_context(viewport=WIDE, accept_downloads=True).new_page()
    tab = Tab(page, server)
    # A 4xx the page expects (a refused upload, a deleted analysis) is logged as "Failed to
    # load resource"; anything else on the console is a bug in the page.
    page.on(
        "console",
        lambda m: (
            tab.errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: tab.errors.append(str(e)))
    page.on("request", lambda r: tab.requests.append(r.url))
    page.goto(server.url + "/")
    return tab


@pytest.fixture
def open_server(tmp_path: Path) -> Iterator[Server]:
    yield from _serve(tmp_path, {})


@pytest.fixture
def key_server(tmp_path: Path) -> Iterator[Server]:
    yield from _serve(tmp_path, {"CUEWATCH_API_KEYS": "alice:key-alice,bob:key-bob"})


def _watch_progress(tab: Tab) -> None:
    # Records every (stage, value) the progress bar shows, however fast it moves.
    tab.page.evaluate(
        """() => {
          window.seenProgress = [];
          const bar = document.getElementById('progress-bar');
          const stage = document.getElementById('progress-stage');
          new MutationObserver(() => window.seenProgress.push([stage.textContent, bar.value]))
            .observe(bar, {attributes: true, attributeFilter: ['value']});
        }"""
    )


def _current_id(tab: Tab) -> str:
    analysis_id: str = tab.page.evaluate("location.hash").removeprefix("#/analyses/")
    return analysis_id


def test_upload_watch_read_delete_and_errors(browser: Any, open_server: Server) -> None:
    tab = _open(browser, open_server)
    page = tab.page
    page.wait_for_selector("#upload-view:not([hidden])")
    _check_labels(tab)
    _check_keyboard_reaches_the_file_input(tab)
    tab.shot("01-upload-form")

    page.set_input_files("#file", str(clip(CLIP)))
    assert page.inner_text("#file-info") == f"{CLIP}, 3.2 MB"
    page.wait_for_selector("#preview-wrap:not([hidden])")
    tab.shot("02-file-chosen")

    _watch_progress(tab)
    page.click("#analyse")
    page.wait_for_selector("#progress-view:not([hidden])")
    # Generous: on a loaded machine the worker may start late (never a timing assert).
    tab.until(
        "(document.getElementById('progress-stage').textContent.startsWith('Finding the face')"
        " && document.getElementById('progress-bar').value > 0.1)"
        " || !document.getElementById('report-view').hidden",
        "the landmarks stage past 10%",
        180,
    )
    tab.shot("03-progress")
    page.wait_for_selector("#report-view:not([hidden])", timeout=180_000)
    seen = page.evaluate("window.seenProgress")
    analysing = [v for stage, v in seen if not stage.startswith("Uploading")]
    # The worker's stages showed before the report; on an idle machine a short clip can
    # finish between two polls, so a value strictly inside (0, 1) is not required.
    assert any(not stage.startswith("Waiting") for stage, _ in seen[2:]), seen
    assert all(b >= a for a, b in itertools.pairwise(analysing)), seen
    analysis_id = _current_id(tab)

    result = tab.api(f"/v1/analyses/{analysis_id}/result").json()
    _check_report(tab, result)
    tab.shot("04-report")
    _check_seeking(tab, result)
    tab.shot("05-event-clicked")
    _check_downloads(tab, result)
    page.set_viewport_size(NARROW)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    tab.shot("06-report-narrow")
    page.set_viewport_size(WIDE)

    failed_id = _check_failed_analysis(tab)
    _check_not_a_video(tab)
    _check_too_large(tab)
    _check_history_and_delete(tab, analysis_id, failed_id)
    assert tab.errors == []
    assert all(u.startswith((open_server.url, "blob:", "data:")) for u in tab.requests)

    open_server.proc.terminate()
    open_server.proc.wait(timeout=30)
    page.click("#refresh")
    assert "The server cannot be reached." in tab.alert()
    tab.shot("12-server-unreachable")


def _check_labels(tab: Tab) -> None:
    unlabelled = tab.page.evaluate(
        """() => [...document.querySelectorAll('input, select, button')]
          .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.textContent.trim())
          .map((el) => el.id || el.outerHTML)"""
    )
    assert unlabelled == []


def _check_keyboard_reaches_the_file_input(tab: Tab) -> None:
    for _ in range(6):
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate("document.activeElement.id") == "file":
            break
    assert tab.page.evaluate("document.activeElement.id") == "file"
    outline = tab.page.evaluate(
        "getComputedStyle(document.getElementById('dropzone')).outlineStyle"
    )
    assert outline == "solid"  # the drop zone shows the focus of the hidden input


def _check_report(tab: Tab, result: dict[str, Any]) -> None:
    page = tab.page
    assert page.inner_text("#headline") == result["summary"]["headline"]
    assert page.locator("#timeline rect").count() > 3
    box = page.locator("#timeline").bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 100
    assert page.locator("#events tr.seek").count() == len(result["events"]) >= 1
    assert page.locator(".advice li").count() == len(result["advice"])
    tab.until("document.getElementById('player').readyState >= 1", "the kept video to load")


def _check_seeking(tab: Tab, result: dict[str, Any]) -> None:
    page = tab.page
    event = result["events"][0]
    button = f"#events tr[id='{event['id']}'] button"
    page.click(button)
    tab.seeked_to(event["start_ms"] / 1000)
    playhead = float(page.get_attribute("#playhead", "x1") or 0)
    assert playhead > 44  # moved off the chart's left edge
    page.click("#timeline", position={"x": 60, "y": 60})  # near the start of the chart
    tab.until("document.getElementById('player').currentTime < 1", "a seek from the chart")
    page.focus(button)
    page.keyboard.press("Enter")
    tab.seeked_to(event["start_ms"] / 1000)


def _check_downloads(tab: Tab, result: dict[str, Any]) -> None:
    stem = CLIP.removesuffix(".mp4")
    with tab.page.expect_download() as csv:
        tab.page.click("#download-csv")
    assert csv.value.suggested_filename == f"{stem}-frames.csv"
    assert Path(csv.value.path()).read_text().startswith("timestamp_ms,")
    with tab.page.expect_download() as whole:
        tab.page.click("#download-json")
    assert whole.value.suggested_filename == f"{stem}-result.json"
    assert json.loads(Path(whole.value.path()).read_text())["summary"] == result["summary"]


def _check_failed_analysis(tab: Tab) -> str:
    page = tab.page
    page.click("#report-another")
    page.wait_for_selector("#upload-view:not([hidden])")
    page.set_input_files("#file", str(clip(SHORT_CLIP)))
    page.select_option("#participant", "3")  # a fourth person, in a one-person clip
    page.click("#analyse")
    page.wait_for_selector("#progress-view[data-status=failed]", timeout=60_000)
    text = tab.alert()
    assert f'The analysis of "{SHORT_CLIP}" failed' in text
    assert "participant index 3 out of range" in text  # the reason, as the worker gave it
    tab.shot("07-analysis-failed")
    failed_id = _current_id(tab)
    tab.dismiss_alert()
    page.click("#another")
    return failed_id


def _check_not_a_video(tab: Tab) -> None:
    page = tab.page
    page.wait_for_selector("#upload-view:not([hidden])")
    dropped = page.evaluate_handle(
        """() => { const t = new DataTransfer();
          t.items.add(new File(['Questions to ask\\n'], 'notes.txt', {type: 'text/plain'}));
          return t; }"""
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": dropped})
    assert page.inner_text("#file-info").startswith("notes.txt, ")
    page.click("#analyse")
    assert '"notes.txt" is not a video cuewatch can read.' in tab.alert()
    assert page.is_visible("#upload-view")
    tab.shot("08-not-a-video")
    tab.dismiss_alert()


def _check_too_large(tab: Tab) -> None:
    tab.page.set_input_files("#file", str(clip(BIG_CLIP)))
    tab.page.click("#analyse")
    text = tab.alert()
    assert f'"{BIG_CLIP}" is too large for this server.' in text and "5.7 MB" in text
    tab.shot("09-too-large")
    tab.dismiss_alert()


def _check_history_and_delete(tab: Tab, analysis_id: str, failed_id: str) -> None:
    page = tab.page
    items = page.locator("#history-list li")
    assert items.count() == 2
    assert [items.nth(i).get_attribute("data-id") for i in range(2)] == [failed_id, analysis_id]
    assert page.inner_text(f"li[data-id='{failed_id}'] .badge") == "failed"
    assert page.inner_text(f"li[data-id='{analysis_id}'] .badge") == "done"

    delete = f"li[data-id='{analysis_id}'] button:has-text('Delete')"
    page.click(delete)
    assert page.is_visible("#confirm")
    page.click("#confirm button[value=cancel]")  # "Keep it": nothing happens
    assert tab.api(f"/v1/analyses/{analysis_id}").status_code == 200
    page.click(delete)
    tab.shot("10-confirm-delete")
    page.click("#confirm-delete")
    page.wait_for_selector(f"li[data-id='{analysis_id}']", state="detached")
    assert tab.api(f"/v1/analyses/{analysis_id}").status_code == 404
    assert not list(tab.server.data.rglob(f"{analysis_id}*"))  # the kept video is gone too
    assert page.evaluate("JSON.parse(localStorage.getItem('cuewatch.analyses'))") == [failed_id]
    tab.shot("11-deleted")


def test_key_mode_asks_for_a_key_and_keeps_it_in_the_tab(browser: Any, key_server: Server) -> None:
    video = clip(SHORT_CLIP)
    alice = _upload(key_server, video, "key-alice")
    bob = _upload(key_server, video, "key-bob")
    wait_for(
        lambda: _status(key_server, alice, "key-alice") == "succeeded",
        90,
        "alice's analysis to finish",
    )

    tab = _open(browser, key_server)
    page = tab.page
    page.wait_for_selector("#key-view:not([hidden])")
    assert page.is_hidden("#app")
    page.fill("#api-key", "not-a-key")
    page.click("#key-form button")
    assert "This API key is not recognised." in tab.alert()
    tab.shot("13-key-refused")
    page.fill("#api-key", "key-alice")
    page.click("#key-form button")
    page.wait_for_selector("#app:not([hidden])")
    assert page.evaluate("sessionStorage.getItem('cuewatch.apiKey')") == "key-alice"

    # The list holds ids only: one of alice's and one of bob's (not hers to see).
    page.evaluate(f"localStorage.setItem('cuewatch.analyses', JSON.stringify({[alice, bob]!r}))")
    page.click("#refresh")
    page.wait_for_selector(f"li[data-id='{bob}'] .badge.gone")
    assert page.inner_text(f"li[data-id='{alice}'] .badge") == "done"
    assert "key-alice" not in page.evaluate("JSON.stringify(localStorage)")
    tab.shot("14-key-mode-list")

    page.click(f"li[data-id='{alice}'] a")
    page.wait_for_selector("#report-view:not([hidden])")
    tab.until("document.getElementById('player').readyState >= 1", "the video by its link")
    src = page.get_attribute("#player", "src") or ""
    assert "token=" in src and "key-alice" not in src
    event = tab.api(f"/v1/analyses/{alice}/events", "key-alice").json()["events"][0]
    page.click(f"#events tr[id='{event['id']}'] button")
    tab.seeked_to(event["start_ms"] / 1000)
    tab.shot("15-key-mode-report")

    page.click(f"li[data-id='{bob}'] button")  # "Remove from list"
    page.wait_for_selector(f"li[data-id='{bob}']", state="detached")
    page.click("#forget-key")
    page.wait_for_selector("#key-view:not([hidden])")
    assert page.evaluate("sessionStorage.getItem('cuewatch.apiKey')") is None
    assert tab.errors == []


def _upload(server: Server, video: Path, key: str) -> str:
    with video.open("rb") as f:
        created = httpx.post(
            f"{server.url}/v1/analyses",
            headers={"Authorization": f"Bearer {key}"},
            data={"keep_video": "true"},
            files={"video": (video.name, f, "video/mp4")},
            timeout=60,
        )
    assert created.status_code == 202, created.text
    analysis_id: str = created.json()["id"]
    return analysis_id


def _status(server: Server, analysis_id: str, key: str) -> str:
    response = httpx.get(
        f"{server.url}/v1/analyses/{analysis_id}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    status: str = response.json()["status"]
    return status


# --- the conversation on the page (issue 13) ------------------------------------------------


def _generated_call(tmp_path: Path) -> Path:
    """A two-person call with real speech, assembled by benchmarks/calls.py (1.5 MB, 29 s)."""
    from tests.test_conversation import _calls_module

    calls = _calls_module()
    data = clip(CLIP).parent.parent
    spec = next(c for c in calls.CALLS if c.name == "gallery_blazer_eyesdown")
    music = [
        calls.np.concatenate([c.samples for c in calls.iter_audio(data / "videos" / m)])
        for m in calls.MUSIC_CLIPS
    ]
    path: Path = calls.build(spec, data, tmp_path, music)
    return path


def test_turns_and_answers_on_the_page(browser: Any, open_server: Server, tmp_path: Path) -> None:
    video = _generated_call(tmp_path / "call")
    tab = _open(browser, open_server)
    page = tab.page
    page.wait_for_selector("#upload-view:not([hidden])")
    page.set_input_files("#file", str(video))
    page.click("#analyse")
    page.wait_for_selector("#report-view:not([hidden])", timeout=180_000)
    result = tab.api(f"/v1/analyses/{_current_id(tab)}/result").json()
    turns = result["speech"]["turns"]
    answers = [t for t in turns if t["role"] == "candidate"]
    assert len(turns) >= 4 and len(answers) >= 2
    # who speaks when, under the attention states and on the same time axis
    assert page.locator("#turns g.turn").count() == len(turns)
    timeline, band = page.locator("#timeline").bounding_box(), page.locator("#turns").bounding_box()
    assert timeline is not None and band is not None
    assert band["y"] >= timeline["y"] + timeline["height"] - 1 and band["x"] == timeline["x"]
    # one row per answer, with the interviewer's shares; its time seeks the player
    assert page.locator("#answers tr.answer").count() == len(answers)
    tab.until("document.getElementById('player').readyState >= 1", "the kept video to load")
    last = answers[-1]
    page.click(f"#answers tr[id='{last['id']}'] button")
    tab.seeked_to(last["start_ms"] / 1000)
    first = turns[0]
    page.click(f"#turns g.turn[data-ms='{first['start_ms']}'] rect")
    tab.seeked_to(first["start_ms"] / 1000)
    tab.shot("20-turns-and-answers")
    assert tab.errors == []

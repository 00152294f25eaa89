"""The web page with a transcript: upload it beside the recording, read it beside the timeline
with the signs marked, click a line to seek the player (real server, pipeline and Chromium)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_service_support import clip
from tests.test_service_ui_browser import (  # noqa: F401 (fixtures)
    CLIP,
    Server,
    _open,
    browser,
    open_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.mediapipe]

# Within the 15 s clip: a question, an answer, a follow-up on it, career advice.
CALL = """WEBVTT

1
00:00:00.400 --> 00:00:02.600
Dana Reyes: Tell me about your last project.

2
00:00:02.800 --> 00:00:06.500
Sam Okafor: I rebuilt our billing service on Kafka so failed payouts could be replayed.

3
00:00:06.700 --> 00:00:09.300
Dana Reyes: How did the replay of failed payouts work?

4
00:00:09.500 --> 00:00:11.000
Sam Okafor: Every payout carries an idempotency key.

5
00:00:11.200 --> 00:00:14.000
Dana Reyes: Honestly, you might be a better fit for our data team.
"""


def test_the_transcript_view(browser: Any, open_server: Server, tmp_path: Path) -> None:  # noqa: F811
    tab = _open(browser, open_server)
    page = tab.page
    page.wait_for_selector("#upload-view:not([hidden])")
    (tmp_path / "call.vtt").write_text(CALL)
    page.set_input_files("#file", str(clip(CLIP)))
    page.set_input_files("#transcript-file", str(tmp_path / "call.vtt"))
    page.fill("#interviewer-speaker", "Dana Reyes")
    tab.shot("20-upload-with-transcript")
    page.click("#analyse")
    page.wait_for_selector("#report-view:not([hidden])", timeout=180_000)

    lines = page.locator("#transcript li")
    assert lines.count() == 5
    assert page.inner_text("#transcript-heard").startswith(
        "Heard from Dana Reyes (named): 2 questions, 1 follow-up, 1 career advice; not heard:"
    )
    signs = [page.inner_text(f"#transcript li[data-cue='{n}'] .sign") for n in (3, 5)]
    assert signs == ["question", "career advice"]
    assert page.locator("#transcript li[data-cue='3'] .sign").all_inner_texts() == [
        "question",
        "follow-up",
    ]
    assert page.locator("#transcript li.candidate .sign").count() == 0
    tab.until("document.getElementById('player').readyState >= 1", "the kept video to load")
    page.click("#transcript li[data-cue='5'] button")
    tab.seeked_to(11.2)
    page.click("#transcript li[data-cue='3']")
    tab.seeked_to(6.7)
    page.locator("#transcript").scroll_into_view_if_needed()
    tab.shot("21-transcript-view")
    # The career advice is an event on the shared timeline, with its advice.
    assert page.locator("#events tr.seek", has_text="career advice given").count() == 1
    assert page.locator(".advice li", has_text="offered career advice").count() == 1
    assert tab.errors == []

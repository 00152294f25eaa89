"""The web page's server side through TestClient: the page and its files, its config, the
report fragment, and the kept video with its signed links (no browser, no pipeline)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.routes.ui import STATIC_DIR
from service.settings import Settings
from service.video_links import LINK_TTL_S, make_token
from tests.test_report import SHORT, make_result
from tests.test_service_api import assert_problem, upload
from tests.test_service_support import ALICE, BOB, FakeRunner, app_clients, make_settings


def _with_result(runner: FakeRunner, analysis_id: str, result: dict[str, Any]) -> None:
    """Replaces the fake run's canned result.json with a real-shaped one."""
    row = runner.state.store.get("alice", analysis_id)
    assert row is not None and row.result_token
    path = runner.state.storage.result_file(row.id, row.result_token, "result.json")
    assert path is not None
    path.write_text(json.dumps(result), encoding="utf-8")


def test_the_page_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    for name in STATIC_DIR.iterdir():
        text = name.read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), name  # no CDN, no external link
    assert re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text) == [
        "/static/app.css",
        "/static/app.js",
    ]


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("app.js", "text/javascript"), ("api.js", "text/javascript"), ("app.css", "text/css")],
)
def test_static_files_are_served_with_their_type(
    client: TestClient, name: str, media_type: str
) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "name",
    [
        "index.html",  # served at / only
        "nothing.js",  # does not exist
        "..%2Fapp.py",  # a way out of the folder
        "APP.JS",  # names are lower case
    ],
)
def test_other_static_names_are_404(client: TestClient, name: str) -> None:
    assert_problem(client.get(f"/static/{name}"), 404)


def test_the_page_is_not_in_the_api_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p == "/" or p.startswith(("/ui", "/static"))]
    assert {"/v1/analyses/{analysis_id}/video", "/v1/analyses/{analysis_id}/video-link"} <= set(
        paths
    )


@pytest.mark.parametrize(
    ("keys", "auth"),
    [
        ({}, "none"),  # open mode: the page asks for no key
        ({"key-alice": "alice"}, "api_key"),  # keys configured: it asks for one
    ],
)
def test_config_tells_the_page_whether_to_ask_for_a_key(
    tmp_path: Path, keys: dict[str, str], auth: str
) -> None:
    settings = make_settings(tmp_path, api_keys=keys, max_upload_bytes=1234)
    for _, client in app_clients(settings):
        body = client.get("/ui/config").json()
        assert (body["auth"], body["max_upload_bytes"]) == (auth, 1234)


def test_report_fragment_shows_the_report_parts(
    runner_and_client: tuple[FakeRunner, TestClient], video: bytes
) -> None:
    runner, client = runner_and_client
    analysis = upload(client, video).json()
    result = make_result(SHORT)
    result["summary"]["headline"] = "Looked <away> & back"
    _with_result(runner, analysis["id"], result)
    fragment = client.get(f"/ui/analyses/{analysis['id']}/report", headers=ALICE)
    assert fragment.status_code == 200
    html = fragment.text
    assert "Looked &lt;away&gt; &amp; back" in html and "<away>" not in html
    assert '<svg id="timeline"' in html and 'id="player-slot"' in html
    assert html.count('class="seek" data-ms=') >= len(result["events"]) + len(result["advice"])
    assert "<script" not in html


def test_report_fragment_needs_the_owner_and_a_finished_analysis(
    runner_and_client: tuple[FakeRunner, TestClient], video: bytes
) -> None:
    runner, client = runner_and_client
    done = upload(client, video).json()["id"]
    runner.complete = False
    queued = upload(client, video).json()["id"]
    assert_problem(client.get(f"/ui/analyses/{done}/report"), 401)
    assert_problem(client.get(f"/ui/analyses/{done}/report", headers=BOB), 404)
    assert_problem(client.get(f"/ui/analyses/{queued}/report", headers=ALICE), 409)


def _video_link(client: TestClient, analysis_id: str) -> str:
    response = client.get(f"/v1/analyses/{analysis_id}/video-link", headers=ALICE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expires_at"] and "key-alice" not in body["url"]
    url: str = body["url"]
    return url


def test_a_kept_video_plays_from_its_link_with_ranges(client: TestClient, video: bytes) -> None:
    analysis = upload(client, video, keep_video="true").json()
    url = _video_link(client, analysis["id"])
    whole = client.get(url)  # no Authorization header: the token opens it
    assert whole.status_code == 200 and whole.content == video
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"].startswith("inline")
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == video[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(video)}"
    with_key = client.get(f"/v1/analyses/{analysis['id']}/video", headers=ALICE)
    assert with_key.status_code == 200 and with_key.content == video


def test_a_video_not_kept_is_404(client: TestClient, video: bytes) -> None:
    analysis = upload(client, video).json()
    assert_problem(client.get(f"/v1/analyses/{analysis['id']}/video-link", headers=ALICE), 404)
    assert_problem(client.get(f"/v1/analyses/{analysis['id']}/video", headers=ALICE), 404)


def _tampered(url: str) -> str:
    last = url[-1]
    return url[:-1] + ("0" if last != "0" else "1")


def test_video_links_open_one_video_for_a_while_and_for_its_owner(
    client: TestClient, settings: Settings, video: bytes
) -> None:
    mine = upload(client, video, keep_video="true").json()["id"]
    other = upload(client, video, keep_video="true").json()["id"]
    url = _video_link(client, mine)
    token = url.split("token=")[1]
    expired, _ = make_token(settings, mine, "alice", time.time() - LINK_TTL_S - 5)
    cases = [
        (_tampered(url), 401),  # a changed signature
        (f"/v1/analyses/{other}/video?token={token}", 401),  # another analysis
        (f"/v1/analyses/{mine}/video?token={expired}", 401),  # an expired link
        (f"/v1/analyses/{mine}/video?token=123.abc", 422),  # not a token at all
        (f"/v1/analyses/{mine}/video", 401),  # neither a token nor a key
    ]
    for bad, status in cases:
        assert_problem(client.get(bad), status)
    assert_problem(client.get(f"/v1/analyses/{mine}/video", headers=BOB), 404)
    assert_problem(client.get(f"/v1/analyses/{mine}/video-link", headers=BOB), 404)
    assert client.delete(f"/v1/analyses/{mine}", headers=ALICE).status_code == 204
    assert_problem(client.get(url), 401)  # the analysis is gone: so is its video


def test_open_mode_links_work_too(tmp_path: Path, video: bytes) -> None:
    for _, client in app_clients(make_settings(tmp_path, api_keys={})):
        analysis = upload(client, video, headers={}, keep_video="true").json()
        url = client.get(f"/v1/analyses/{analysis['id']}/video-link").json()["url"]
        response: httpx.Response = client.get(url)
        assert response.status_code == 200 and response.content == video

"""The HTTP API through TestClient, with the job runner overridden (no pipeline, no worker)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.db import Status
from service.deps import get_queue
from service.leases import Outcome
from service.settings import Settings, get_settings
from tests.test_service_support import (
    ALICE,
    BOB,
    FakeRunner,
    files_under,
    make_settings,
)

PROBLEM = "application/problem+json"


def upload(
    client: TestClient, content: bytes, headers: dict[str, str] | None = None, **fields: str
) -> httpx.Response:
    return client.post(
        "/v1/analyses",
        headers=headers if headers is not None else ALICE,
        files={"video": ("call.mp4", content, "video/mp4")},
        data=fields,
    )


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"] and body["type"]
    return body


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no Authorization header
        {"Authorization": "Bearer nope"},  # a key nobody has
        {"Authorization": "Basic a2V5LWFsaWNlOg=="},  # the right key, wrong scheme
    ],
)
def test_requests_without_a_valid_key_are_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/v1/analyses", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_upload_reaches_succeeded_with_result_parts(client: TestClient, video: bytes) -> None:
    created = upload(client, video, fps="4")
    assert created.status_code == 202, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/analyses/{body['id']}" == body["links"]["self"]
    assert body["media"]["duration_ms"] > 2000 and body["options"]["fps"] == 4.0

    analysis = client.get(body["links"]["self"], headers=ALICE).json()
    assert (analysis["status"], analysis["progress"]) == ("succeeded", 1.0)
    result = client.get(analysis["links"]["result"], headers=ALICE)
    assert result.headers["content-type"] == "application/json"
    assert {"summary", "windows", "events"} <= result.json().keys()
    assert client.get(analysis["links"]["windows"], headers=ALICE).json()["windows"]
    assert client.get(analysis["links"]["events"], headers=ALICE).json()["events"]
    # a result written before the conversation existed reads as a recording without sound
    turns = client.get(analysis["links"]["turns"], headers=ALICE).json()
    assert turns == {"analysis_id": body["id"], "audio": "no_audio", "turns": [], "talk_share": {}}
    frames = client.get(analysis["links"]["frames_csv"], headers=ALICE)
    assert frames.headers["content-type"].startswith("text/csv")
    report = client.get(analysis["links"]["report_html"], headers=ALICE)
    assert report.headers["content-type"].startswith("text/html")


def test_another_client_gets_404_and_an_empty_list(client: TestClient, video: bytes) -> None:
    analysis = upload(client, video).json()
    for path in (analysis["links"]["self"], analysis["links"]["result"]):
        assert_problem(client.get(path, headers=BOB), 404)
    assert_problem(client.delete(analysis["links"]["self"], headers=BOB), 404)
    assert client.get("/v1/analyses", headers=BOB).json()["items"] == []


def test_delete_removes_every_file_and_the_row(
    client: TestClient, settings: Settings, video: bytes
) -> None:
    analysis = upload(client, video, keep_video="true").json()
    assert client.get(analysis["links"]["self"], headers=ALICE).json()["video_retained"]
    assert files_under(settings.data_dir)  # the kept video and the result files
    assert client.delete(analysis["links"]["self"], headers=ALICE).status_code == 204
    assert_problem(client.get(analysis["links"]["self"], headers=ALICE), 404)
    assert_problem(client.get(analysis["links"]["result"], headers=ALICE), 404)
    assert files_under(settings.data_dir) == []


@pytest.mark.parametrize(
    ("content", "slug"),
    [
        (b"", "unsupported-video"),  # an empty file
        (b"not a video at all\n" * 50, "unsupported-video"),  # text
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "unsupported-video"),  # a truncated image header
    ],
)
def test_garbage_is_refused_and_leaves_nothing(
    client: TestClient, runner: FakeRunner, settings: Settings, content: bytes, slug: str
) -> None:
    body = assert_problem(upload(client, content), 422)
    assert body["type"].endswith(slug)
    assert "call.mp4" in body["detail"] and str(settings.data_dir) not in body["detail"]
    assert runner.enqueued == [] and files_under(settings.data_dir) == []


def test_oversized_upload_is_413_and_leaves_nothing(tmp_path: Path, video: bytes) -> None:
    settings = make_settings(tmp_path, max_upload_bytes=100_000)
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_queue] = lambda: FakeRunner(app)
    with TestClient(app) as client:
        assert_problem(upload(client, video), 413)
        # A declared length far over the cap is refused before the body is read.
        big = client.post(
            "/v1/analyses",
            headers={
                **ALICE,
                "content-length": str(10**10),
                "content-type": "multipart/form-data; boundary=x",
            },
            content=b"",
        )
        assert_problem(big, 413)
    assert files_under(settings.data_dir) == []


def test_too_long_a_recording_is_422(tmp_path: Path, video: bytes) -> None:
    settings = make_settings(tmp_path, max_duration_s=1.0)
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_queue] = lambda: FakeRunner(app)
    with TestClient(app) as client:
        assert assert_problem(upload(client, video), 422)["type"].endswith("video-too-long")
    assert files_under(settings.data_dir) == []


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"json": {"video": "x"}}, 415),  # JSON, not multipart
        ({"content": b"x", "headers": {"content-type": "multipart/form-data"}}, 400),  # no boundary
        ({"files": {"clip": ("a.mp4", b"x")}}, 422),  # file in the wrong field
        ({"data": {"fps": "5"}, "files": {"x": ("", b"")}}, 422),  # no video part at all
        (
            {
                "content": b"--b\r\nbroken",
                "headers": {"content-type": "multipart/form-data; boundary=b"},
            },
            422,
        ),  # cut-off body, no video
    ],
)
def test_malformed_requests_are_4xx_problems(
    client: TestClient, settings: Settings, request_kwargs: dict[str, Any], status: int
) -> None:
    headers = {**ALICE, **request_kwargs.pop("headers", {})}
    assert_problem(client.post("/v1/analyses", headers=headers, **request_kwargs), status)
    assert files_under(settings.data_dir) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"fps": "0"},  # no frames at all
        {"fps": "many"},  # not a number
        {"fps": "120"},  # above what a webcam gives
        {"participant": "left"},  # not auto, an index or a box
        {"participant": "0.5,0.5,0.6,0.2"},  # a box leaving the frame
        {"webhook_url": "ftp://example.com/hook"},  # not http(s)
        {"annotate": "maybe"},  # not a boolean
        {"colour": "blue"},  # an unknown field
    ],
)
def test_invalid_options_are_422(
    client: TestClient, settings: Settings, video: bytes, fields: dict[str, str]
) -> None:
    body = assert_problem(upload(client, video, **fields), 422)
    assert body["type"].endswith("invalid-option")
    assert files_under(settings.data_dir) == []


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("http://127.0.0.1:8080/hook", 422),  # loopback
        ("http://10.1.2.3/hook", 422),  # a private network
        ("http://[::1]/hook", 422),  # IPv6 loopback
        ("http://169.254.169.254/latest", 422),  # cloud metadata (link-local)
        ("http://localhost/hook", 422),  # a loopback name
        ("https://hooks.example.com/cuewatch", 202),  # a public name (resolved by the worker)
    ],
)
def test_webhooks_into_private_networks_are_refused(
    tmp_path: Path, video: bytes, url: str, status: int
) -> None:
    settings = make_settings(tmp_path, webhook_allow_private=False)
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_queue] = lambda: FakeRunner(app, complete=False)
    with TestClient(app) as client:
        assert upload(client, video, webhook_url=url).status_code == status


def test_idempotency_key_replays_and_refuses_a_different_body(
    client: TestClient, runner: FakeRunner, video: bytes
) -> None:
    key = {**ALICE, "Idempotency-Key": "upload-1"}
    first = upload(client, video, key, fps="5")
    again = upload(client, video, key, fps="5")
    assert again.status_code == 202 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and len(runner.enqueued) == 1
    changed = upload(client, video, key, fps="3")
    assert assert_problem(changed, 422)["type"].endswith("idempotency-key-reused")
    # Keys are per client: bob's "upload-1" is his own.
    assert upload(client, video, {**BOB, "Idempotency-Key": "upload-1"}).status_code == 202
    too_long = upload(client, video, {**ALICE, "Idempotency-Key": "k" * 256})
    assert "this one has 256" in assert_problem(too_long, 400)["detail"]


def test_listing_pages_with_a_cursor(client: TestClient, video: bytes) -> None:
    ids = [upload(client, video).json()["id"] for _ in range(3)]
    first = client.get("/v1/analyses", params={"limit": 2}, headers=ALICE).json()
    assert [a["id"] for a in first["items"]] == ids[:0:-1]
    second = client.get(
        "/v1/analyses", params={"limit": 2, "cursor": first["next_cursor"]}, headers=ALICE
    ).json()
    assert [a["id"] for a in second["items"]] == ids[:1] and second["next_cursor"] is None
    only_failed = client.get("/v1/analyses", params={"status": "failed"}, headers=ALICE)
    assert only_failed.json()["items"] == []
    assert_problem(client.get("/v1/analyses", params={"cursor": "zz!"}, headers=ALICE), 400)
    for limit in ("0", "101", "1.0", " 5", "1_0"):  # out of range, or not plain digits
        assert_problem(client.get("/v1/analyses", params={"limit": limit}, headers=ALICE), 422)


def test_cancel_a_queued_analysis(
    client: TestClient, runner: FakeRunner, settings: Settings, video: bytes
) -> None:
    runner.complete = False
    analysis = upload(client, video).json()
    canceled = client.post(analysis["links"]["cancel"], headers=ALICE)
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert canceled.json()["video_retained"] is False and files_under(settings.data_dir) == []
    assert client.post(analysis["links"]["cancel"], headers=ALICE).status_code == 200
    assert_problem(client.get(analysis["links"]["result"], headers=ALICE), 409)


def test_cancel_after_success_is_409(client: TestClient, video: bytes) -> None:
    analysis = upload(client, video).json()
    assert_problem(client.post(analysis["links"]["cancel"], headers=ALICE), 409)


def test_result_of_an_unfinished_or_failed_analysis_is_409(
    client: TestClient, runner: FakeRunner, video: bytes
) -> None:
    runner.complete = False
    queued = upload(client, video).json()
    body = assert_problem(client.get(queued["links"]["events"], headers=ALICE), 409)
    assert body["analysis_status"] == "queued"
    runner.run(queued["id"], Outcome(Status.FAILED, "undecodable_video", "bad frame"))
    failed = client.get(queued["links"]["self"], headers=ALICE).json()
    assert failed["error"] == {"reason": "undecodable_video", "detail": "bad frame"}
    assert_problem(client.get(queued["links"]["result"], headers=ALICE), 409)


def test_queue_outage_is_503_and_leaves_nothing(
    client: TestClient, runner: FakeRunner, settings: Settings, video: bytes
) -> None:
    runner.broken = True
    assert_problem(upload(client, video), 503)
    assert files_under(settings.data_dir) == []
    assert client.get("/v1/analyses", headers=ALICE).json()["items"] == []


def test_expired_analyses_are_gone(tmp_path: Path, video: bytes) -> None:
    settings = make_settings(tmp_path, retention_days=0.0)
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_queue] = lambda: FakeRunner(app, complete=False)
    with TestClient(app) as client:
        analysis = upload(client, video).json()
        assert_problem(client.get(analysis["links"]["self"], headers=ALICE), 404)


def test_open_mode_needs_no_key(tmp_path: Path, video: bytes) -> None:
    settings = make_settings(tmp_path, api_keys={})
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_queue] = lambda: FakeRunner(app)
    with TestClient(app) as client:
        assert upload(client, video, headers={}).status_code == 202
        assert len(client.get("/v1/analyses").json()["items"]) == 1


def test_webhook_secret_is_per_client_and_stable(client: TestClient) -> None:
    alice = client.get("/v1/webhook-secret", headers=ALICE).json()["secret"]
    bob = client.get("/v1/webhook-secret", headers=BOB).json()["secret"]
    assert alice.startswith("whsec_") and alice != bob
    assert client.get("/v1/webhook-secret", headers=ALICE).json()["secret"] == alice


def test_health_and_metrics(client: TestClient, video: bytes) -> None:
    assert client.get("/livez").json() == {"status": "ok", "checks": {}}
    assert client.get("/readyz").json()["checks"] == {"database": "ok", "queue": "ok"}
    upload(client, video)
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'cuewatch_analyses{status="succeeded"} 1.0' in metrics.text
    assert 'route="/v1/analyses/{analysis_id}"' not in metrics.text  # no raw ids as labels
    assert 'cuewatch_http_requests_total{method="POST",route="/v1/analyses",status="202"}' in (
        metrics.text
    )


def test_readyz_is_503_when_the_queue_is_down(client: TestClient, runner: FakeRunner) -> None:
    def down() -> int:
        raise ConnectionError("queue down")

    runner.pending = down  # type: ignore[method-assign]
    body = assert_problem(client.get("/readyz"), 503)
    assert body["checks"]["queue"].startswith("error")


def test_unknown_routes_are_problems(client: TestClient) -> None:
    assert_problem(client.get("/v2/nothing"), 404)
    response = client.put("/v1/analyses/an_x", headers=ALICE)
    assert_problem(response, 405)
    assert response.headers["allow"] == "DELETE, GET, HEAD"  # every method of the path


def test_openapi_documents_the_upload_and_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/v1/analyses"]["post"]
    form = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["video"] and "webhook_url" in form["properties"]
    assert {"202", "401", "413", "415", "422"} <= post["responses"].keys()
    assert "application/problem+json" in post["responses"]["422"]["content"]
    assert spec["components"]["schemas"]["AnalysisOut"]["examples"]
    assert client.get("/docs").status_code == 200

"""`cuewatch serve` over real HTTP on the embedded default: SQLite, local files, its workers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from service.webhooks import sign
from tests.test_service_support import ALICE, BOB, clip, cuewatch, files_under, free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.mediapipe]


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"])).decode()
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    port, data = free_port(), tmp_path / "data"
    env = {
        "CUEWATCH_API_KEYS": "alice:key-alice,bob:key-bob",
        "CUEWATCH_LEASE_S": "5",
        "CUEWATCH_SECRET_KEY": "http-test",
        "CUEWATCH_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    with (
        cuewatch(
            ["serve", "--port", str(port), "--data-dir", str(data)], env, tmp_path / "serve.log"
        ) as proc,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        wait_for(lambda: _ready(client, proc), 60, "the server to be ready")
        yield client, data
        proc.terminate()
        assert proc.wait(timeout=30) == 0, (tmp_path / "serve.log").read_text()[-3000:]


def _ready(client: httpx.Client, proc: Any) -> bool:
    if proc.poll() is not None:
        pytest.fail(f"cuewatch serve exited with {proc.returncode}")
    try:
        return client.get("/readyz").status_code == 200
    except httpx.TransportError:
        return False


def _finished(client: httpx.Client, url: str) -> dict[str, Any] | None:
    body: dict[str, Any] = client.get(url, headers=ALICE).json()
    return body if body["status"] in ("succeeded", "failed", "canceled") else None


def test_embedded_service_end_to_end(server: tuple[httpx.Client, Path], hook_url: str) -> None:
    client, data = server
    assert client.get("/v1/analyses").status_code == 401

    video = clip("studio_d0_glance.mp4")
    with video.open("rb") as f:
        created = client.post(
            "/v1/analyses",
            headers=ALICE,
            data={"webhook_url": hook_url},
            files={"video": (video.name, f, "video/mp4")},
        )
    assert created.status_code == 202, created.text
    url = created.headers["location"]
    done = wait_for(lambda: _finished(client, url), 180, "the analysis to finish")
    assert done["status"] == "succeeded", done
    result = client.get(f"{url}/result", headers=ALICE).json()
    assert {"summary", "windows", "events"} <= result.keys()
    assert client.get(url, headers=BOB).status_code == 404

    garbage = client.post(
        "/v1/analyses",
        headers=ALICE,
        files={"video": ("notes.mp4", b"just text\n" * 100, "video/mp4")},
    )
    assert garbage.status_code == 422
    assert garbage.headers["content-type"] == "application/problem+json"
    assert client.get("/livez").status_code == 200

    _check_webhook(client, done["id"])
    assert client.delete(url, headers=ALICE).status_code == 204
    assert client.get(url, headers=ALICE).status_code == 404
    assert files_under(data) == []  # nothing of the video or its results is left


def _check_webhook(client: httpx.Client, analysis_id: str) -> None:
    [(headers, body)] = wait_for(lambda: Hook.received, 30, "the webhook")
    secret = client.get("/v1/webhook-secret", headers=ALICE).json()["secret"]
    expected = sign(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), body)
    assert headers["webhook-signature"] == expected
    event = json.loads(body)
    assert (event["type"], event["data"]["id"]) == ("analysis.succeeded", analysis_id)

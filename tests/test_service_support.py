"""Helpers for the service tests (no tests here): settings, clips, a fake job runner, processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service import schema
from service.app import create_app
from service.db import Analysis, Status, make_engine, utcnow
from service.deps import AppState, get_queue
from service.intake import new_id
from service.jobs import JobContext
from service.leases import Leases, Outcome
from service.settings import Settings, get_settings
from service.storage import Storage
from service.store import Store

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
KEYS = {"key-alice": "alice", "key-bob": "bob"}
ALICE = {"Authorization": "Bearer key-alice"}
BOB = {"Authorization": "Bearer key-bob"}
T = TypeVar("T")

# What a finished analysis looks like to the API, for tests that do not run the pipeline.
CANNED_RESULT: dict[str, Any] = {
    "schema_version": 1,
    "media": {
        "duration_ms": 3120,
        "fps": 25.0,
        "width": 512,
        "height": 512,
        "codec": "h264",
        "frames_analysed": 16,
    },
    "summary": {"disengagement_score": 10.0, "trend": "flat", "headline": "attentive"},
    "windows": [
        {
            "start_ms": 0,
            "end_ms": 3120,
            "coverage": 1.0,
            "disengagement_score": 10.0,
            "components": {},
        }
    ],
    "events": [
        {"type": "looking_away", "start_ms": 400, "end_ms": 1200, "confidence": 0.8, "detail": {}}
    ],
    "advice": [],
}


def clip(name: str) -> Path:
    """A shared clip, or a clean skip when the shared data is absent."""
    path = DATA / "videos" / name
    if not path.is_file():
        pytest.skip(f"shared clip not available: {path}")
    return path


def make_settings(root: Path, **changes: Any) -> Settings:
    """Embedded-mode settings under a test's temporary folder, with two clients."""
    values: dict[str, Any] = {
        "data_dir": root / "data",
        "api_keys": KEYS,
        "lease_s": 3.0,
        "secret_key": "test-secret",
        "webhook_allow_private": True,
    }
    values.update(changes)
    return Settings(**values)


class FakeRunner:
    """Stands in for the job queue in API tests: records ids, optionally "runs" them.

    A run takes the lease and finishes through the real leases and storage, writing
    `CANNED_RESULT` instead of running the pipeline.
    """

    def __init__(self, app: FastAPI, complete: bool = True) -> None:
        self.app, self.complete = app, complete
        self.enqueued: list[str] = []
        self.broken = False

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.cuewatch
        return state

    def enqueue_analysis(self, analysis_id: str) -> None:
        if self.broken:
            raise ConnectionError("queue down")
        self.enqueued.append(analysis_id)
        if self.complete:
            self.run(analysis_id)

    def pending(self) -> int:
        return 0

    def run(self, analysis_id: str, outcome: Outcome | None = None) -> None:
        """Claims the job and ends it with `outcome` (default: succeeded with the canned result)."""
        settings = self.state.settings
        leases = Leases(
            self.state.store, settings.lease_s, settings.max_attempts, settings.retention_days
        )
        token = "fake" + analysis_id[-8:]
        assert leases.claim(analysis_id, token, "fake-worker", utcnow()) is not None
        out = self.state.storage.run_dir(analysis_id, token)
        out.mkdir(parents=True)
        (out / "result.json").write_text(json.dumps(CANNED_RESULT))
        (out / "frames.csv").write_text("timestamp_ms,participant,attention\n0,0,screen\n")
        (out / "report.html").write_text("<!doctype html><title>report</title>")
        assert leases.finish(analysis_id, token, utcnow(), outcome or Outcome(Status.SUCCEEDED))


def make_context(settings: Settings, sent: list[dict[str, Any]]) -> JobContext:
    """A worker's job context on these settings; webhook deliveries go to `sent`."""
    storage = Storage(settings.data_dir)
    engine = make_engine(settings.db_url)
    schema.upgrade(engine)
    store = Store(engine)
    leases = Leases(store, settings.lease_s, settings.max_attempts, settings.retention_days)
    return JobContext(settings, store, leases, storage, "test-worker", sent.append)


def add_queued(
    ctx: JobContext, video: bytes = b"video", age_days: float = 0.0, **options: Any
) -> Analysis:
    """A queued analysis of `video` (stored as call.mp4), uploaded `age_days` ago."""
    now = utcnow() - timedelta(days=age_days)
    analysis_id = new_id()
    path = ctx.storage.video(f"{analysis_id}.mp4")
    path.write_bytes(video)
    row = Analysis(
        id=analysis_id,
        client="alice",
        status="queued",
        stage="queued",
        progress=0.0,
        warnings=[],
        filename="call.mp4",
        video_name=path.name,
        size_bytes=len(video),
        media={},
        options={"participant": "auto", **options},
        request_hash="h",
        attempts=0,
        created_at=now,
        enqueued_at=now,
        expires_at=now + timedelta(days=30),
    )
    assert ctx.store.add(row)
    return row


def files_under(root: Path) -> list[Path]:
    """Every file below a folder except the databases and the secret key."""
    skip = ("cuewatch.db", "queue.db", "secret.key")
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(skip))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(check: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """Polls `check` until it returns something truthy, failing the test at the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")


@contextmanager
def cuewatch(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Runs `cuewatch ARGS` as a child process; stops it (SIGTERM, then SIGKILL) afterwards.

    The end of its log is printed at exit, for pytest to show when the test fails.
    """
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", *args],
            cwd=REPO,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # Captured by pytest and shown only when the test fails.
        print(f"--- {log.name} (tail) ---\n{log.read_text(errors='replace')[-3000:]}")


def app_clients(settings: Settings) -> Iterator[tuple[FakeRunner, TestClient]]:
    """The app on these settings with jobs run by a `FakeRunner`, and a client of it
    (the app is started on entering and stopped on leaving)."""
    app = create_app()
    runner = FakeRunner(app)
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_queue] = lambda: runner
    with TestClient(app) as client:
        yield runner, client

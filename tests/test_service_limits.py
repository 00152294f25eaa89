"""Per-client limits: active analyses and uploads per minute (429 + Retry-After), stored video
bytes (413), a full disk (507); counted in /metrics, nothing half-written left behind."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service import quotas
from service.db import Analysis, make_engine, utcnow
from service.intake import new_id
from service.problems import Problem
from service.schema import upgrade
from service.settings import Settings
from service.store import Store
from tests.test_service_api import assert_problem, upload
from tests.test_service_support import ALICE, BOB, FakeRunner, add_queued, make_context


def limited(tmp_path: Path, **limits: int) -> Settings:
    from tests.test_service_support import make_settings

    values = {"client_max_active": 0, "client_uploads_per_minute": 0}
    return make_settings(tmp_path, **{**values, "client_max_stored_bytes": 0, **limits})


def refusals(client: TestClient, limit: str) -> float:
    text = client.get("/metrics").text
    match = re.search(rf'cuewatch_limit_refusals_total{{limit="{limit}"}} (\S+)', text)
    return float(match.group(1)) if match else 0.0


def stored(settings: Settings) -> dict[str, list[str]]:
    """The files under the data dir's upload folders."""
    return {
        sub: sorted(p.name for p in (settings.data_dir / sub).iterdir())
        for sub in ("incoming", "videos")
    }


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return limited(tmp_path, client_max_active=2)


def test_active_analyses_over_the_limit_get_429_until_one_ends(
    settings: Settings, runner: FakeRunner, client: TestClient, video: bytes
) -> None:
    runner.complete = False  # jobs stay queued
    first, _ = (upload(client, video).json()["id"] for _ in range(2))
    refused = upload(client, video)
    body = assert_problem(refused, 429)
    assert body["type"] == "urn:cuewatch:problem:too-many-active-analyses"
    assert "'alice' has 2 analyses queued or running; the limit is 2" in body["detail"]
    assert refused.headers["retry-after"] == "30"
    assert len(stored(settings)["videos"]) == 2 and stored(settings)["incoming"] == []
    assert upload(client, video, BOB).status_code == 202  # another client's own limit
    assert refusals(client, "active_analyses") == 1
    runner.run(first)
    assert upload(client, video).status_code == 202


@pytest.mark.parametrize("settings_", [{"client_uploads_per_minute": 2}])
def test_uploads_per_minute_over_the_limit_get_429_with_when_to_retry(
    tmp_path: Path, video: bytes, settings_: dict[str, int]
) -> None:
    from tests.test_service_support import app_clients

    keyed = {**ALICE, "Idempotency-Key": "k1"}
    for _, client in app_clients(limited(tmp_path, **settings_)):
        assert [upload(client, video, h).status_code for h in (keyed, ALICE)] == [202, 202]
        refused = upload(client, video)
        body = assert_problem(refused, 429)
        assert body["type"] == "urn:cuewatch:problem:too-many-uploads"
        assert 55 <= int(refused.headers["retry-after"]) <= 60  # when the first leaves the minute
        assert refusals(client, "uploads_per_minute") == 1
        replay = upload(client, video, keyed)  # a retry of an accepted request is no new upload
        assert replay.headers["idempotent-replayed"] == "true"
        assert upload(client, video, BOB).status_code == 202


def test_stored_bytes_over_the_quota_get_413_with_the_reason(tmp_path: Path, video: bytes) -> None:
    from tests.test_service_support import app_clients

    settings = limited(tmp_path, client_max_stored_bytes=len(video) * 3 // 2)
    for _, client in app_clients(settings):
        kept = upload(client, video, keep_video="true")
        assert kept.status_code == 202  # succeeded at once (FakeRunner), its video kept
        body = assert_problem(upload(client, video, keep_video="true"), 413)
        assert body["type"] == "urn:cuewatch:problem:storage-quota-exceeded"
        assert f"holds {len(video)} bytes of video" in body["detail"]
        assert stored(settings) == {"incoming": [], "videos": [f"{kept.json()['id']}.mp4"]}
        assert refusals(client, "stored_bytes") == 1
        assert client.delete(f"/v1/analyses/{kept.json()['id']}", headers=ALICE).status_code == 204
        assert upload(client, video, keep_video="true").status_code == 202


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cuewatch.db'}"
    else:
        # SQLAlchemy needs the driver named: psycopg 3, as the service uses.
        url = request.getfixturevalue("pg_database").replace(
            "postgresql:", "postgresql+psycopg:", 1
        )
    engine = make_engine(url)
    upgrade(engine)
    return Store(engine)


def test_concurrent_uploads_cannot_all_slip_under_a_limit(tmp_path: Path, store: Store) -> None:
    settings = limited(tmp_path, client_max_active=3)
    ctx = make_context(settings, [])
    template = add_queued(ctx)  # a row to copy; removed again below
    ctx.store.remove(template.id)
    outcomes: list[str] = []

    def insert() -> None:
        copy = _copy(template)
        try:
            added = store.add_within(
                copy, lambda u: quotas.check(settings, "alice", u, copy.created_at)
            )
            outcomes.append("added" if added else "duplicate")
        except Problem as exc:
            outcomes.append(exc.slug)

    threads = [threading.Thread(target=insert) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["added"] * 3 + ["too-many-active-analyses"] * 5
    assert store.usage("alice", utcnow()).active == 3
    store.engine.dispose()


def _copy(row: Analysis) -> Analysis:
    now = utcnow()
    return Analysis(
        **{
            c.name: getattr(row, c.name)
            for c in Analysis.__table__.columns
            if c.name not in ("seq", "id", "created_at", "expires_at")
        },
        id=new_id(),
        created_at=now,
        expires_at=now + timedelta(days=1),
    )

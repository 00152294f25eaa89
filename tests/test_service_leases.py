"""Leases, the reaper and retention, called directly with explicit times (no sleeps)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from service.db import Analysis, Status, create_schema, make_engine, utcnow
from service.intake import new_id
from service.jobs import Heartbeat, JobContext
from service.leases import Leases, Outcome
from service.maintenance import Maintenance, enforce_retention, reap
from service.storage import Storage
from service.store import Store
from tests.test_service_support import make_settings


@pytest.fixture
def sent() -> list[dict[str, Any]]:
    """Webhook deliveries the jobs asked for."""
    return []


@pytest.fixture
def ctx(tmp_path: Path, sent: list[dict[str, Any]]) -> JobContext:
    settings = make_settings(tmp_path, max_attempts=2)
    storage = Storage(settings.data_dir)
    engine = make_engine(settings.db_url)
    create_schema(engine)
    store = Store(engine)
    leases = Leases(store, settings.lease_s, settings.max_attempts, settings.retention_days)
    return JobContext(settings, store, leases, storage, "test-worker", sent.append)


def queued(ctx: JobContext, age_days: float = 0.0, **options: Any) -> Analysis:
    """A queued analysis with a (fake) stored video, uploaded `age_days` ago."""
    now = utcnow() - timedelta(days=age_days)
    analysis_id = new_id()
    video = ctx.storage.video(f"{analysis_id}.mp4")
    video.write_bytes(b"video")
    row = Analysis(
        id=analysis_id, client="alice", status="queued", stage="queued", progress=0.0,
        warnings=[], filename="call.mp4", video_name=video.name, size_bytes=5, media={},
        options={"participant": "auto", **options}, request_hash="h", attempts=0,
        created_at=now, expires_at=now + timedelta(days=30),
    )
    assert ctx.store.add(row)
    return row


def status(ctx: JobContext, row: Analysis) -> str:
    current = ctx.store.get(row.client, row.id)
    assert current is not None
    return current.status


def test_a_job_is_claimed_once(ctx: JobContext) -> None:
    row, now = queued(ctx), utcnow()
    assert ctx.leases.claim(row.id, "run-a", "w1", now) is not None
    assert ctx.leases.claim(row.id, "run-b", "w2", now) is None
    assert [r.token for r in ctx.store.runs(row.id)] == ["run-a"]


def test_a_dead_workers_job_is_requeued_and_its_late_finish_discarded(ctx: JobContext) -> None:
    row, now = queued(ctx), utcnow()
    ctx.leases.claim(row.id, "run-a", "w1", now)
    assert ctx.leases.reap(now + timedelta(seconds=1)) == ([], [])  # lease still fresh
    enqueued: list[str] = []
    assert reap(ctx, enqueued.append, now + timedelta(seconds=4)) == [row.id]
    assert enqueued == [row.id] and status(ctx, row) == "queued"
    ctx.leases.claim(row.id, "run-b", "w2", now + timedelta(seconds=5))
    # The first worker was only slow: its finish matches nothing and changes nothing.
    assert not ctx.leases.finish(row.id, "run-a", now, Outcome(Status.FAILED, "x", "y"))
    assert ctx.leases.finish(row.id, "run-b", now, Outcome(Status.SUCCEEDED))
    current = ctx.store.get(row.client, row.id)
    assert current is not None and (current.status, current.result_token) == ("succeeded", "run-b")
    assert [(r.token, r.outcome) for r in ctx.store.runs(row.id)] == [
        ("run-a", "lost"), ("run-b", "succeeded")]


def test_a_job_that_kills_every_worker_fails_after_max_attempts(
    ctx: JobContext, sent: list[dict[str, Any]]
) -> None:
    row, now = queued(ctx, webhook_url="https://example.com/hook"), utcnow()
    for attempt in range(2):
        start = now + timedelta(seconds=10 * attempt)
        ctx.leases.claim(row.id, f"run-{attempt}", "w", start)
        reap(ctx, lambda _id: None, start + timedelta(seconds=4))
    current = ctx.store.get(row.client, row.id)
    assert current is not None and (current.status, current.error_reason) == ("failed",
                                                                             "worker_lost")
    assert current.video_name is None and not ctx.storage.video(f"{row.id}.mp4").exists()
    assert [d["id"] for d in sent] == [f"msg_{row.id}_failed"]


def test_release_hands_the_job_back(ctx: JobContext) -> None:
    row, now = queued(ctx), utcnow()
    ctx.leases.claim(row.id, "run-a", "w1", now)
    assert ctx.leases.release(row.id, "run-a", now)
    assert status(ctx, row) == "queued"
    assert ctx.leases.claim(row.id, "run-b", "w2", now) is not None
    assert [r.outcome for r in ctx.store.runs(row.id)] == ["released", None]


def test_heartbeat_renews_and_notices_a_cancel(ctx: JobContext) -> None:
    row, now = queued(ctx), utcnow()
    ctx.leases.claim(row.id, "run-a", "w1", now)
    beat = Heartbeat(ctx.leases, row.id, "run-a", interval_s=60)
    beat.report("landmarks", 1.7)  # clamped into [0, 1]
    beat.beat()
    current = ctx.store.get(row.client, row.id)
    assert current is not None and (current.stage, current.progress) == ("landmarks", 1.0)
    assert current.lease_expires_at is not None and current.lease_expires_at > now
    assert not beat.lost.is_set()
    ctx.store.cancel(row.id)
    beat.beat()
    assert beat.lost.is_set()


def test_retention_deletes_expired_analyses_and_unkept_videos(ctx: JobContext) -> None:
    old, kept, done = queued(ctx, age_days=10), queued(ctx, keep_video=True), queued(ctx)
    for row in (kept, done):
        ctx.leases.claim(row.id, f"run-{row.id}", "w", utcnow())
        ctx.leases.finish(row.id, f"run-{row.id}", utcnow(), Outcome(Status.SUCCEEDED))
    ctx.storage.run_dir(old.id, "t").mkdir(parents=True)
    later = old.expires_at + timedelta(seconds=1)  # 20 days from now: only `old` has expired
    assert enforce_retention(ctx, utcnow()) == 0
    assert not ctx.storage.video(f"{done.id}.mp4").exists()  # finished, not kept
    assert ctx.storage.video(f"{kept.id}.mp4").exists()
    assert enforce_retention(ctx, later) == 1
    assert ctx.store.get(old.client, old.id) is None
    assert not (ctx.storage.root / "results" / old.id).exists()


def test_maintenance_tick_reaps_and_sweeps(ctx: JobContext) -> None:
    row, now = queued(ctx), utcnow()
    ctx.leases.claim(row.id, "run-a", "w1", now)
    enqueued: list[str] = []
    Maintenance(ctx, enqueued.append, interval_s=60).tick(now + timedelta(seconds=10))
    assert enqueued == [row.id]

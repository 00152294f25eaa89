"""Leases, the reaper and retention, called directly with explicit times (no sleeps)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from service.db import Analysis, Status, utcnow
from service.jobs import Heartbeat, JobContext, overall_progress
from service.leases import Outcome
from service.maintenance import Maintenance, enforce_retention, reap
from service.queue import HueyQueue
from tests.test_service_support import add_queued, make_context, make_settings


@pytest.fixture
def sent() -> list[dict[str, Any]]:
    """Webhook deliveries the jobs asked for."""
    return []


@pytest.fixture
def ctx(tmp_path: Path, sent: list[dict[str, Any]]) -> JobContext:
    return make_context(make_settings(tmp_path, max_attempts=2), sent)


def queued(ctx: JobContext, age_days: float = 0.0, **options: Any) -> Analysis:
    return add_queued(ctx, age_days=age_days, **options)


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
        ("run-a", "lost"),
        ("run-b", "succeeded"),
    ]


def test_a_job_that_kills_every_worker_fails_after_max_attempts(
    ctx: JobContext, sent: list[dict[str, Any]]
) -> None:
    row, now = queued(ctx, webhook_url="https://example.com/hook"), utcnow()
    for attempt in range(2):
        start = now + timedelta(seconds=10 * attempt)
        ctx.leases.claim(row.id, f"run-{attempt}", "w", start)
        reap(ctx, lambda _id: None, start + timedelta(seconds=4))
    current = ctx.store.get(row.client, row.id)
    assert current is not None and (current.status, current.error_reason) == (
        "failed",
        "worker_lost",
    )
    assert current.video_name is None and not ctx.storage.video(f"{row.id}.mp4").exists()
    assert [d["id"] for d in sent] == [f"msg_{row.id}_failed"]


def test_a_job_whose_message_was_lost_is_sent_again_once(ctx: JobContext) -> None:
    row = queued(ctx)
    sent_at = row.enqueued_at
    assert sent_at is not None
    enqueued: list[str] = []
    reap(ctx, enqueued.append, sent_at + timedelta(seconds=59))
    assert enqueued == []  # 20 leases of 3 s have not passed
    later = sent_at + timedelta(seconds=61)
    reap(ctx, enqueued.append, later)
    reap(ctx, enqueued.append, later)  # a second reaper at the same time sends nothing
    assert enqueued == [row.id]


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
    beat.report("landmarks", 0.5)
    beat.beat()
    current = ctx.store.get(row.client, row.id)
    assert current is not None and (current.stage, current.progress) == ("landmarks", 0.45)
    assert current.lease_expires_at is not None and current.lease_expires_at > now
    assert not beat.lost.is_set()
    ctx.store.cancel(row.id)
    beat.beat()
    assert beat.lost.is_set()


@pytest.mark.parametrize(
    ("stage", "fraction", "previous", "expected"),
    [
        ("landmarks", 0.5, 0.0, 0.45),  # landmarks span 0-0.9 of the run
        ("landmarks", 7.0, 0.0, 0.9),  # a fraction over 1 is clamped
        ("signals", 0.0, 0.9, 0.9),  # the next stage starts where landmarks ended
        ("decode", 0.5, 0.3, 0.3),  # an unknown stage does not move the bar
        ("landmarks", 0.1, 0.5, 0.5),  # never backwards
        ("done", 1.0, 0.93, 1.0),
    ],
)
def test_overall_progress(stage: str, fraction: float, previous: float, expected: float) -> None:
    assert overall_progress(stage, fraction, previous) == pytest.approx(expected)


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


def test_a_job_whose_message_is_missing_from_the_queue_is_sent_again_soon(
    ctx: JobContext,
) -> None:
    row = queued(ctx)
    sent_at = row.enqueued_at
    assert sent_at is not None
    enqueued: list[str] = []
    waiting = sent_at + timedelta(seconds=7)  # 2 leases of 3 s, far short of 20
    reap(ctx, enqueued.append, waiting, in_queue=lambda: {row.id})
    assert enqueued == []  # its message is still waiting in the queue
    reap(ctx, enqueued.append, waiting, in_queue=set)  # the queue lost it (restarted empty)
    assert enqueued == [row.id]
    reap(ctx, enqueued.append, waiting, in_queue=set)  # sent again: not again at once
    assert enqueued == [row.id]


def test_the_queue_is_read_for_missing_messages(tmp_path: Path) -> None:
    queue = HueyQueue(make_settings(tmp_path))
    queue.enqueue_analysis("an_1")
    queue.enqueue_webhook({"url": "https://example.com", "id": "msg"})
    assert queue.queued_analyses() == {"an_1"}

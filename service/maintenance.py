"""Periodic upkeep every worker runs: reap dead workers' jobs, enforce retention.

Several workers may run it at once; each change is a compare-and-set, so that is harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from service.db import utcnow
from service.jobs import JobContext, after_final

log = logging.getLogger(__name__)
# Retention is counted in days; a sweep a minute is plenty and costs one indexed query.
RETENTION_SWEEP_S = 60.0
# An upload still arriving after a day belongs to an API process that died.
ABANDONED_UPLOAD_S = 24 * 3600.0
# A job queued this many leases ago without starting may have lost its message: send another.
RESEND_AFTER_LEASES = 20
# A job queued this many leases ago whose message is not in the queue has lost it (a queue
# restarted without its data): send another without waiting the 20 leases. Two leases leave
# a message taken by a worker the time to become a claim.
LOST_AFTER_LEASES = 2


def reap(
    ctx: JobContext,
    enqueue: Callable[[str], None],
    now: datetime,
    in_queue: Callable[[], set[str]] | None = None,
) -> list[str]:
    """Re-queues the jobs of workers that stopped renewing their lease; returns their ids.

    Also sends a new message for jobs that have waited in the queue suspiciously long, or
    (with `in_queue`) whose message is missing from the queue.

    Args:
        ctx: the worker's context.
        enqueue: puts a re-queued id back on the queue.
        now: the current time.
        in_queue: the ids of the analysis messages waiting in the queue.
    """
    requeued, failed = ctx.leases.reap(now)
    resend_after = timedelta(seconds=RESEND_AFTER_LEASES * ctx.settings.lease_s)
    for analysis_id in requeued + ctx.leases.resend(now, resend_after) + _lost(ctx, now, in_queue):
        enqueue(analysis_id)
    for analysis_id in failed:
        _finalise_failed(ctx, analysis_id)
    return requeued


def _lost(ctx: JobContext, now: datetime, in_queue: Callable[[], set[str]] | None) -> list[str]:
    if in_queue is None:
        return []
    lost_after = timedelta(seconds=LOST_AFTER_LEASES * ctx.settings.lease_s)
    resent = ctx.leases.resend(now, lost_after, in_queue())
    if resent:
        log.warning("%d queued analyses had no message in the queue; sent again", len(resent))
    return resent


def _finalise_failed(ctx: JobContext, analysis_id: str) -> None:
    client = ctx.store.client_of(analysis_id)
    if client is not None:
        ctx.storage.delete_all(analysis_id, None)
        after_final(ctx, client, analysis_id)


def enforce_retention(ctx: JobContext, now: datetime) -> int:
    """Deletes expired analyses and videos nobody asked to keep; returns analyses deleted."""
    expired = ctx.store.expired(now)
    for row in expired:
        ctx.storage.delete_all(row.id, row.video_name)
        ctx.store.remove(row.id)
    for row in ctx.store.leftover_videos():
        ctx.storage.delete_video(row.video_name)
        ctx.store.forget_video(row.id)
    ctx.storage.sweep_incoming(ABANDONED_UPLOAD_S)
    return len(expired)


class Maintenance:
    """Runs `reap` every `interval_s` and `enforce_retention` every minute, in a thread.

    With `in_queue`, reaping also compares the queue's messages with the queued jobs, once a
    lease (reading every message is not free on a long queue).
    """

    def __init__(
        self,
        ctx: JobContext,
        enqueue: Callable[[str], None],
        interval_s: float,
        in_queue: Callable[[], set[str]] | None = None,
    ):
        self.ctx, self.enqueue, self.interval_s = ctx, enqueue, interval_s
        self.in_queue = in_queue
        self._last_queue_check = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="maintenance", daemon=True)
        self._last_sweep = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def tick(self, now: datetime) -> None:
        """One round of upkeep (tests call this directly)."""
        check_queue = now.timestamp() - self._last_queue_check >= self.ctx.settings.lease_s
        if check_queue:
            self._last_queue_check = now.timestamp()
        reap(self.ctx, self.enqueue, now, self.in_queue if check_queue else None)
        if now.timestamp() - self._last_sweep >= RETENTION_SWEEP_S:
            self._last_sweep = now.timestamp()
            removed = enforce_retention(self.ctx, now)
            if removed:
                log.info("retention: deleted %d expired analyses", removed)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick(utcnow())
            except Exception:  # keep the worker's upkeep alive through a database outage
                log.exception("maintenance round failed")

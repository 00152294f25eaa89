"""Job ownership for workers: claim with a lease, renew it, finish, and reap dead owners.

Huey hands a message to one worker at most once, so a worker that dies mid-job would lose the
job. Here every state change is a compare-and-set on (status, lease_token): a job is run by
whoever holds the current lease, only the holder can finish it, and when the holder stops
renewing, the reaper re-queues the job under a new lease. A late finish by a presumed-dead
worker then matches no row and is discarded, so a job ends exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Update, select, update

from service.db import Analysis, Run, Status, changed
from service.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How one run ended, as written to the analysis row.

    Attributes:
        status: the final status (succeeded, failed or canceled).
        error_reason: short machine-readable reason when failed.
        error_detail: one human-readable line when failed.
        warnings: one-line warnings the pipeline reported.
    """

    status: Status
    error_reason: str | None = None
    error_detail: str | None = None
    warnings: tuple[str, ...] = ()


class Leases:
    """Lease operations over the analyses table.

    Args:
        store: the database.
        lease_s: how long a claim or renewal holds the job.
        max_attempts: runs a job may start before a dead worker fails it instead.
        retention_days: analyses expire this long after they finish.
    """

    def __init__(self, store: Store, lease_s: float, max_attempts: int, retention_days: float):
        self.store = store
        self.lease = timedelta(seconds=lease_s)
        self.max_attempts = max_attempts
        self.retention = timedelta(days=retention_days)

    def claim(self, analysis_id: str, token: str, worker: str, now: datetime) -> Analysis | None:
        """Takes a queued job for this run; None if it is not queued (done, canceled, taken)."""
        with self.store.session() as s:
            done = s.execute(
                _match(analysis_id, Status.QUEUED).values(
                    status=Status.RUNNING.value,
                    stage="starting",
                    progress=0.0,
                    lease_token=token,
                    lease_expires_at=now + self.lease,
                    attempts=Analysis.attempts + 1,
                    started_at=now,
                )
            )
            if not changed(done):
                return None
            s.add(Run(token=token, analysis_id=analysis_id, worker=worker, started_at=now))
            return s.scalars(select(Analysis).where(Analysis.id == analysis_id)).one()

    def renew(
        self, analysis_id: str, token: str, now: datetime, stage: str, progress: float
    ) -> bool:
        """Extends the lease and records progress; False once the run no longer owns the job."""
        with self.store.session() as s:
            done = s.execute(
                _match(analysis_id, Status.RUNNING, token).values(
                    lease_expires_at=now + self.lease, stage=stage, progress=progress
                )
            )
            return changed(done)

    def finish(
        self, analysis_id: str, token: str, now: datetime, outcome: Outcome, run_outcome: str = ""
    ) -> bool:
        """Ends the job with the run's outcome; False if the run had lost the job meanwhile.

        Args:
            analysis_id: the job.
            token: the run's lease token.
            now: the time of the change.
            outcome: the job's final status and error.
            run_outcome: what to record for the run, when not the job's status.
        """
        values: dict[str, object] = {
            "status": outcome.status.value,
            "stage": outcome.status.value,
            "error_reason": outcome.error_reason,
            "error_detail": outcome.error_detail,
            "warnings": list(outcome.warnings),
            "finished_at": now,
            "lease_token": None,
            "lease_expires_at": None,
            "expires_at": now + self.retention,
        }
        if outcome.status is Status.SUCCEEDED:
            values.update(progress=1.0, result_token=token)
        with self.store.session() as s:
            done = s.execute(_match(analysis_id, Status.RUNNING, token).values(**values))
            owned = changed(done)
        self.end_run(token, now, (run_outcome or outcome.status.value) if owned else "canceled")
        return owned

    def release(self, analysis_id: str, token: str, now: datetime) -> bool:
        """Hands a running job back to the queue (the worker is shutting down)."""
        released = self._back_to_queue(analysis_id, token, now)
        if released:
            self.end_run(token, now, "released")
        return released

    def end_run(self, token: str, now: datetime, outcome: str) -> None:
        with self.store.session() as s:
            s.execute(
                update(Run)
                .where(Run.token == token, Run.ended_at.is_(None))
                .values(ended_at=now, outcome=outcome)
            )

    def reap(self, now: datetime) -> tuple[list[str], list[str]]:
        """Takes jobs back from workers whose lease ran out.

        Returns:
            (ids re-queued, ids failed because they used up their attempts). The caller
            enqueues the re-queued ids.
        """
        with self.store.session() as s:
            stale = s.execute(
                select(Analysis.id, Analysis.lease_token, Analysis.attempts).where(
                    Analysis.status == Status.RUNNING.value, Analysis.lease_expires_at < now
                )
            ).all()
        requeued, failed = [], []
        for analysis_id, token, attempts in stale:
            if token is None:
                continue
            if attempts >= self.max_attempts:
                if self._give_up(analysis_id, token, now, attempts):
                    failed.append(analysis_id)
            elif self._requeue(analysis_id, token, now):
                self.end_run(token, now, "lost")
                requeued.append(analysis_id)
        return requeued, failed

    def resend(
        self, now: datetime, older_than: timedelta, in_queue: Collection[str] = ()
    ) -> list[str]:
        """Queued jobs whose message was sent longer ago than `older_than`, to send again.

        A message can be lost without its job starting (a worker killed between taking it and
        claiming the job, a queue restarted without persistence). A second message for a job
        that does start is harmless: the claim lets only one run through.

        Args:
            now: the current time.
            older_than: how long ago the last message must have been sent.
            in_queue: jobs whose message is known to be waiting in the queue (not resent).
        """
        with self.store.session() as s:
            waiting = s.execute(
                select(Analysis.id, Analysis.enqueued_at).where(
                    Analysis.status == Status.QUEUED.value,
                    Analysis.enqueued_at < now - older_than,
                )
            ).all()
            resent = []
            for analysis_id, sent_at in waiting:
                if analysis_id in in_queue:
                    continue
                done = s.execute(
                    _match(analysis_id, Status.QUEUED)
                    .where(Analysis.enqueued_at == sent_at)
                    .values(enqueued_at=now)
                )
                if changed(done):
                    resent.append(analysis_id)
            return resent

    def _requeue(self, analysis_id: str, token: str, now: datetime) -> bool:
        log.warning("analysis %s: worker stopped renewing its lease; re-queued", analysis_id)
        return self._back_to_queue(analysis_id, token, now)

    def _back_to_queue(self, analysis_id: str, token: str, now: datetime) -> bool:
        """Queued again, lease dropped, if this run still holds it."""
        with self.store.session() as s:
            done = s.execute(
                _match(analysis_id, Status.RUNNING, token).values(
                    status=Status.QUEUED.value,
                    stage="queued",
                    progress=0.0,
                    lease_token=None,
                    lease_expires_at=None,
                    enqueued_at=now,
                )
            )
            return changed(done)

    def _give_up(self, analysis_id: str, token: str, now: datetime, attempts: int) -> bool:
        detail = f"the worker stopped during each of {attempts} attempts"
        outcome = Outcome(Status.FAILED, "worker_lost", detail)
        log.warning("analysis %s: %s; failed", analysis_id, detail)
        return self.finish(analysis_id, token, now, outcome, run_outcome="lost")


def _match(analysis_id: str, status: Status, token: str | None = None) -> Update:
    query = update(Analysis).where(Analysis.id == analysis_id, Analysis.status == status.value)
    return query.where(Analysis.lease_token == token) if token else query

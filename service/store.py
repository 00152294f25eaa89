"""Reads and writes of analysis rows for the API: create, look up, page, cancel, delete.

Every lookup is scoped to a client and hides expired rows, so one client never sees another's
analyses and an expired analysis is gone even before the retention sweep deletes it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, Select, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.db import Analysis, Run, Status, changed, reader, utcnow
from service.quotas import RATE_WINDOW_S, Usage


class Store:
    """Analysis rows behind one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._readers = sessionmaker(reader(engine), expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads (takes no write lock on SQLite)."""
        with self._readers.begin() as session:
            yield session

    def ping(self) -> None:
        """Raises if the database cannot answer a trivial query."""
        with self.reading() as s:
            s.execute(text("SELECT 1"))

    def add(self, row: Analysis) -> bool:
        """Inserts a new analysis; False when its idempotency key is already taken."""
        try:
            with self.session() as s:
                s.add(row)
        except IntegrityError:
            return False
        return True

    def usage(self, client: str, now: datetime) -> Usage:
        """What the client holds now (for its limits)."""
        with self.reading() as s:
            return _usage(s, client, now)

    def add_within(self, row: Analysis, check: Callable[[Usage], None]) -> bool:
        """Inserts a new analysis if `check` accepts the client's usage, atomically.

        Concurrent inserts for one client are serialised (SQLite: the write lock every write
        transaction takes; PostgreSQL: a per-client advisory lock), so the usage checked is
        the usage the row is added to.

        Returns:
            False when its idempotency key is already taken.

        Raises:
            Whatever `check` raises; nothing is inserted then.
        """
        try:
            with self.session() as s:
                if s.get_bind().dialect.name == "postgresql":
                    key = zlib.crc32(row.client.encode())
                    s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
                check(_usage(s, row.client, row.created_at))
                s.add(row)
        except IntegrityError:
            return False
        return True

    def get(self, client: str, analysis_id: str) -> Analysis | None:
        """The client's analysis, or None if missing, expired or another client's."""
        with self.reading() as s:
            return s.scalars(_visible(client).where(Analysis.id == analysis_id)).one_or_none()

    def client_of(self, analysis_id: str) -> str | None:
        """The owner of an analysis (for workers, which act on ids alone)."""
        with self.reading() as s:
            query = select(Analysis.client).where(Analysis.id == analysis_id)
            return s.scalars(query).one_or_none()

    def by_idempotency_key(self, client: str, key: str) -> Analysis | None:
        with self.reading() as s:
            return s.scalars(_visible(client).where(Analysis.idempotency_key == key)).one_or_none()

    def page(
        self, client: str, *, before_seq: int | None, limit: int, status: Status | None
    ) -> list[Analysis]:
        """The client's analyses, newest first, starting after the cursor row.

        Args:
            client: whose analyses.
            before_seq: only rows older than this sequence number (the cursor).
            limit: at most this many rows.
            status: only rows in this state, if given.
        """
        query = _visible(client).order_by(Analysis.seq.desc()).limit(limit)
        if before_seq is not None:
            query = query.where(Analysis.seq < before_seq)
        if status is not None:
            query = query.where(Analysis.status == status.value)
        with self.reading() as s:
            return list(s.scalars(query))

    def cancel(self, analysis_id: str, now: datetime | None = None) -> bool:
        """Moves a queued or running analysis to canceled; False if it had already ended.

        A running worker notices at its next heartbeat (the lease no longer matches) and stops.
        """
        now = now or utcnow()
        with self.session() as s:
            done = s.execute(
                update(Analysis)
                .where(Analysis.id == analysis_id)
                .where(Analysis.status.in_([Status.QUEUED.value, Status.RUNNING.value]))
                .values(
                    status=Status.CANCELED.value,
                    stage="canceled",
                    finished_at=now,
                    lease_token=None,
                    lease_expires_at=None,
                )
            )
            return changed(done)

    def forget_video(self, analysis_id: str) -> None:
        """Records that the uploaded video file has been deleted."""
        with self.session() as s:
            s.execute(update(Analysis).where(Analysis.id == analysis_id).values(video_name=None))

    def remove(self, analysis_id: str) -> None:
        """Deletes the analysis row and its run history."""
        with self.session() as s:
            s.execute(delete(Run).where(Run.analysis_id == analysis_id))
            s.execute(delete(Analysis).where(Analysis.id == analysis_id))

    def expired(self, now: datetime, limit: int = 100) -> list[Analysis]:
        """Analyses past their retention date, oldest first."""
        with self.reading() as s:
            query = select(Analysis).where(Analysis.expires_at <= now)
            return list(s.scalars(query.order_by(Analysis.expires_at).limit(limit)))

    def leftover_videos(self, limit: int = 100) -> list[Analysis]:
        """Finished analyses that still hold a video they did not ask to keep."""
        final = [Status.SUCCEEDED.value, Status.FAILED.value, Status.CANCELED.value]
        with self.reading() as s:
            rows = s.scalars(
                select(Analysis)
                .where(Analysis.status.in_(final), Analysis.video_name.is_not(None))
                .limit(limit)
            )
            return [r for r in rows if not r.options.get("keep_video")]

    def counts(self) -> dict[str, int]:
        """Number of analyses per status, over all clients."""
        with self.reading() as s:
            rows = s.execute(select(Analysis.status, func.count()).group_by(Analysis.status))
            return {status: int(n) for status, n in rows}

    def runs(self, analysis_id: str) -> list[Run]:
        """The attempts at one job, oldest first."""
        with self.reading() as s:
            query = select(Run).where(Run.analysis_id == analysis_id)
            return list(s.scalars(query.order_by(Run.started_at)))


def _usage(s: Session, client: str, now: datetime) -> Usage:
    active = [Status.QUEUED.value, Status.RUNNING.value]
    mine = Analysis.client == client
    count = select(func.count()).select_from(Analysis).where(mine)
    since = now - timedelta(seconds=RATE_WINDOW_S)
    recent = s.execute(
        select(func.count(), func.min(Analysis.created_at)).where(mine, Analysis.created_at > since)
    ).one()
    stored = select(func.coalesce(func.sum(Analysis.size_bytes), 0)).where(
        mine, Analysis.video_name.is_not(None)
    )
    return Usage(
        active=int(s.scalar(count.where(Analysis.status.in_(active))) or 0),
        recent=int(recent[0]),
        oldest_recent=recent[1],
        stored_bytes=int(s.scalar(stored) or 0),
    )


def _visible(client: str) -> Select[Analysis]:
    return select(Analysis).where(Analysis.client == client, Analysis.expires_at > utcnow())

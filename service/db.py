"""Job state tables (SQLAlchemy 2) and the engine: SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Float,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

log = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Status(StrEnum):
    """Where an analysis is in its life; the last three are final."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def final(self) -> bool:
        return self in (Status.SUCCEEDED, Status.FAILED, Status.CANCELED)


class Base(DeclarativeBase):
    pass


class Analysis(Base):
    """One uploaded recording and the state of its analysis job."""

    __tablename__ = "analyses"
    __table_args__ = (UniqueConstraint("client", "idempotency_key"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    client: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error_reason: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    filename: Mapped[str] = mapped_column(String(255))
    video_name: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media: Mapped[dict[str, Any]] = mapped_column(JSON)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    result_token: Mapped[str | None] = mapped_column(String(64))
    # Last time a queue message was sent for this job (re-sent if a queued job waits too long).
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Run(Base):
    """One attempt at a job: which worker took it and how it ended (the audit trail)."""

    __tablename__ = "runs"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    analysis_id: Mapped[str] = mapped_column(String(40), index=True)
    worker: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # succeeded | failed | canceled | lost (worker died) | released (worker stopped)
    outcome: Mapped[str | None] = mapped_column(String(16))


def make_engine(url: str) -> Engine:
    """Creates the engine; SQLite gets WAL, a busy timeout and write-locking transactions.

    Args:
        url: SQLAlchemy database URL.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": _SQLITE_BUSY_S}
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


# How long a connection waits for a lock (SQLite's busy timeout, and the WAL switch below).
_SQLITE_BUSY_S = 30.0


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin, not by the driver's implicit BEGIN.
    dbapi_conn.isolation_level = None
    dbapi_conn.execute(f"PRAGMA busy_timeout={round(_SQLITE_BUSY_S * 1000)}")
    _switch_to_wal(dbapi_conn)


def _switch_to_wal(dbapi_conn: Any) -> None:
    """WAL mode, waiting for other connections as the busy timeout would. SQLite does not
    wait on its own here: on a new database still in rollback mode, the switch needs an
    exclusive lock, and while another connection holds a write lock (an upgrader's BEGIN
    IMMEDIATE) it fails at once with "database is locked" (deadlock avoidance), whatever
    the busy timeout. Once a database is in WAL mode the switch is a no-op."""
    deadline = time.monotonic() + _SQLITE_BUSY_S
    while True:
        try:
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise sqlite3.OperationalError(
                    f"{exc}: still locked by another connection after {_SQLITE_BUSY_S:g} s "
                    "(switching the database to WAL mode)"
                ) from exc
            time.sleep(0.02)


# Execution option of connections that only read (see `reader`).
READ_ONLY = "cuewatch_read_only"


def reader(engine: Engine) -> Engine:
    """The engine (same pool) for transactions that only read: on SQLite they begin
    deferred, so a status poll takes no write lock and never queues behind a worker's write;
    other databases ignore the option."""
    return engine.execution_options(**{READ_ONLY: True})


def _sqlite_begin(conn: Any) -> None:
    # Several processes write: taking the write lock up front avoids upgrade deadlocks.
    # Reads see a WAL snapshot and need no lock at all.
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def utcnow() -> datetime:
    return datetime.now(UTC)


def changed(result: Result[Any]) -> bool:
    """Whether an UPDATE or DELETE matched a row (the compare-and-set succeeded)."""
    return bool(cast("CursorResult[Any]", result).rowcount)

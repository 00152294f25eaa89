"""Writes the databases of cuewatch before migrations existed, as SQL, for the upgrade tests.

Run ONCE, with the code of commit a55e6e2 (tables made by `create_schema`, no Alembic):

    .venv/bin/python tests/data/schema_v0/make_fixtures.py postgresql://postgres@127.0.0.1:5432

It makes a SQLite file and a PostgreSQL database with that code, fills them with analyses in
every state through the code's own `Store`, and dumps them (`sqlite3` iterdump, `pg_dump`).
The dumps are a frozen record of that schema: later code must upgrade them, not regenerate
them.
"""

from __future__ import annotations

import secrets
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from service.db import Analysis, Run, Status, create_schema, make_engine
from service.store import Store

HERE = Path(__file__).parent
CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def rows() -> list[Analysis | Run]:
    """One analysis per status (the succeeded one with its run), as the API made them."""
    out: list[Analysis | Run] = []
    for i, status in enumerate(Status):
        created = CREATED + timedelta(minutes=i)
        final = status.final
        out.append(
            Analysis(
                id=f"an_v0fixture{i:013d}",
                client="alice" if i % 2 == 0 else "bob",
                status=status.value,
                stage="done" if status == Status.SUCCEEDED else status.value,
                progress=1.0 if status == Status.SUCCEEDED else 0.0,
                error_reason="unsupported_video" if status == Status.FAILED else None,
                error_detail="'call.mp4' has no video stream" if status == Status.FAILED else None,
                warnings=["decoding stopped at 93.2 s"] if status == Status.SUCCEEDED else [],
                filename=f"call {i}.mp4",
                video_name=None if final else f"an_v0fixture{i:013d}.mp4",
                size_bytes=1000 + i,
                media={"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"},
                options={"participant": "auto", "keep_video": False},
                idempotency_key=f"key-{i}" if i % 2 == 0 else None,
                request_hash=f"{i:064x}",
                attempts=1 if status != Status.QUEUED else 0,
                result_token="tok_succeeded" if status == Status.SUCCEEDED else None,
                enqueued_at=created,
                created_at=created,
                started_at=created + timedelta(seconds=5) if status != Status.QUEUED else None,
                finished_at=created + timedelta(seconds=50) if final else None,
                # Far ahead: the fixture must not expire under the tests that read it.
                expires_at=datetime(2099, 1, 1, tzinfo=UTC),
            )
        )
    succeeded = out[[s for s in Status].index(Status.SUCCEEDED)]
    assert isinstance(succeeded, Analysis)
    out.append(
        Run(
            token="tok_succeeded",
            analysis_id=succeeded.id,
            worker="host:1234",
            started_at=CREATED,
            ended_at=CREATED + timedelta(seconds=50),
            outcome="succeeded",
        )
    )
    return out


def fill(url: str) -> None:
    engine = make_engine(url)
    create_schema(engine)
    with Store(engine).session() as s:
        s.add_all(rows())
    engine.dispose()


def sqlite_dump() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cuewatch.db"
        fill(f"sqlite:///{path}")
        with sqlite3.connect(path) as conn:
            return "\n".join(conn.iterdump()) + "\n"


def postgresql_dump(server: str) -> str:
    name = f"cuewatch_v0_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            fill(f"postgresql+psycopg://{server.removeprefix('postgresql://')}/{name}")
            dump = subprocess.run(
                ["pg_dump", "--no-owner", "--no-privileges", "--inserts", f"{server}/{name}"],
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    # psql meta-commands (`\\restrict`) are not SQL: leave them out so any client can load it.
    return "".join(line for line in dump.stdout.splitlines(True) if not line.startswith("\\"))


def main() -> None:
    (HERE / "sqlite.sql").write_text(sqlite_dump())
    (HERE / "postgresql.sql").write_text(postgresql_dump(sys.argv[1]))


if __name__ == "__main__":
    main()

"""Schema migrations: the first revision is the old schema, old databases upgrade with every
analysis still readable (SQLite and PostgreSQL), and unknown revisions stop every process."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from service import schema
from service.db import Base, make_engine
from service.settings import Settings
from tests.test_service_support import (
    ALICE,
    BOB,
    CANNED_RESULT,
    REPO,
    app_clients,
    free_port,
    make_settings,
)

FIXTURES = REPO / "tests" / "data" / "schema_v0"
# What the fixture holds (tests/data/schema_v0/make_fixtures.py): one analysis per status.
V0_IDS = {
    "queued": "an_v0fixture0000000000000",
    "running": "an_v0fixture0000000000001",
    "succeeded": "an_v0fixture0000000000002",
    "failed": "an_v0fixture0000000000003",
    "canceled": "an_v0fixture0000000000004",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on an empty database of each kind."""
    if request.param == "sqlite":
        return make_settings(tmp_path)
    url: str = request.getfixturevalue("pg_database")
    return make_settings(tmp_path, database_url=url)


def engine_of(settings: Settings) -> Engine:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.db_url)


def load_v0(settings: Settings) -> None:
    """Fills the empty database with the dump made by the code before migrations."""
    if settings.db_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(settings.data_dir / "cuewatch.db") as conn:
            conn.executescript((FIXTURES / "sqlite.sql").read_text())
    else:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute((FIXTURES / "postgresql.sql").read_text().encode())


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUEWATCH_DATA_DIR": str(settings.data_dir)}
    env["CUEWATCH_DATABASE_URL"] = settings.database_url
    env["CUEWATCH_API_KEYS"] = "alice:key-alice"
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_migrations_build_exactly_the_models(backend: Settings) -> None:
    engine = engine_of(backend)
    assert schema.upgrade(engine) == (None, schema.head(), False)  # it was empty
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert schema.current(conn) == schema.head()
    engine.dispose()


def test_a_database_made_before_migrations_upgrades_with_every_analysis_readable(
    backend: Settings,
) -> None:
    load_v0(backend)
    done = cli(backend, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "database made before migrations, adopted as schema revision 0001"
    )
    engine = engine_of(backend)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()
    for _, client in app_clients(backend):
        _write_result(backend, V0_IDS["succeeded"], "tok_succeeded")
        page = client.get("/v1/analyses?limit=100", headers=ALICE).json()["items"]
        page += client.get("/v1/analyses?limit=100", headers=BOB).json()["items"]
        assert sorted(item["id"] for item in page) == sorted(V0_IDS.values())
        for status, analysis_id in V0_IDS.items():
            headers = ALICE if int(analysis_id[-1]) % 2 == 0 else BOB
            body = client.get(f"/v1/analyses/{analysis_id}", headers=headers).json()
            assert (body["status"], body["filename"]) == (status, f"call {analysis_id[-1]}.mp4")
            assert body["created_at"].startswith(f"2026-12-01T09:3{analysis_id[-1]}:00")
        failed = client.get(f"/v1/analyses/{V0_IDS['failed']}", headers=BOB).json()
        assert failed["error"]["reason"] == "unsupported_video"
        result = client.get(f"/v1/analyses/{V0_IDS['succeeded']}/result", headers=ALICE)
        assert result.json() == CANNED_RESULT


def _write_result(settings: Settings, analysis_id: str, token: str) -> None:
    from service.storage import Storage

    out = Storage(settings.data_dir).run_dir(analysis_id, token)
    out.mkdir(parents=True)
    (out / "result.json").write_text(json.dumps(CANNED_RESULT))


def test_upgrading_twice_or_at_once_is_harmless(backend: Settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    engines = [engine_of(backend) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        befores = list(pool.map(schema.upgrade, engines))
    assert sorted(str(u.before) for u in befores) == sorted(["None"] + [schema.head()] * 2)
    assert schema.upgrade(engines[0]).before == schema.head()
    for engine in engines:
        engine.dispose()


def test_a_new_sqlite_database_waits_for_a_writer_before_switching_to_wal(
    tmp_path: Path,
) -> None:
    # What made the test above fail now and then: a connection opened while another holds
    # a write lock on a database still in rollback mode (an upgrader's BEGIN IMMEDIATE).
    # SQLite refuses the switch to WAL at once there, whatever the busy timeout.
    import threading

    path = tmp_path / "new.db"
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (1)")
        held.set()
        release.wait()
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    held.wait()
    threading.Timer(0.3, release.set).start()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        release.set()
        thread.join()
        engine.dispose()


def _set_revision(settings: Settings, revision: str) -> None:
    engine = engine_of(settings)
    schema.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


# A server that does start would keep running: no workers, and the timeout ends it.
SERVE = ["serve", "--workers", "0", "--port"]


@pytest.mark.parametrize("command", [SERVE, ["worker"], ["db", "upgrade"]])
def test_an_unknown_revision_stops_every_process_with_one_line(
    backend: Settings, command: list[str]
) -> None:
    _set_revision(backend, "9f3e_from_the_future")
    done = cli(backend, *command, *([str(free_port())] if command == SERVE else []))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "'9f3e_from_the_future', which this cuewatch does not know" in line, line
    engine = engine_of(backend)
    with engine.connect() as conn:  # left exactly as it was
        assert schema.current(conn) == "9f3e_from_the_future"
    engine.dispose()


@pytest.mark.services
def test_a_shared_database_behind_is_not_upgraded_by_the_server(
    pg_database: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=pg_database)  # empty: behind every revision
    done = cli(settings, *SERVE, str(free_port()))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.endswith(f"needs '{schema.head()}': run `cuewatch db upgrade` first"), line


def test_the_embedded_database_upgrades_itself(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    load_v0(settings)
    for _, client in app_clients(settings):
        assert client.get(f"/v1/analyses/{V0_IDS['queued']}", headers=ALICE).status_code == 200
    engine = engine_of(settings)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == schema.head()
    engine.dispose()

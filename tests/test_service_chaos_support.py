"""Helpers for the chaos tests (no tests here): a throwaway Redis and PostgreSQL cluster of
their own, on free ports, that a test may stop and start without touching the machine's."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis

from tests.test_service_support import free_port, wait_for


class OwnRedis:
    """redis-server without persistence: a restart loses every queued message."""

    def __init__(self, root: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.binary, self.root, self.port = binary, root, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.root)]
        with (self.root / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._answers, 20, "redis-server")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def _answers(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
        finally:
            client.close()


class OwnPostgres:
    """A PostgreSQL cluster made with initdb in a temporary folder (trust auth, one port)."""

    def __init__(self, root: Path) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            pytest.skip("PostgreSQL server binaries are not installed")
        self.bin = Path(bins[-1]).parent
        self.data, self.port = root / "pgdata", free_port()
        # The server refuses to run as root: run it as the postgres user then, in a folder
        # that user can reach (pytest's own are private to root).
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.data.mkdir()
        if self.prefix:
            shutil.chown(root, "postgres")
            shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self.prefix, str(self.bin / tool), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        # Immediate: the server goes away as in a crash, dropping every connection.
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def answers(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False


@contextmanager
def own_services(root: Path) -> Iterator[tuple[OwnRedis, OwnPostgres]]:
    """Starts a Redis and a PostgreSQL of the test's own; stops them afterwards."""
    redis_root = root / "redis"
    redis_root.mkdir()
    pg_root = Path(tempfile.mkdtemp(prefix="cuewatch-pg-"))
    try:
        queue, database = OwnRedis(redis_root), OwnPostgres(pg_root)
        queue.start()
        database.start()
        try:
            yield queue, database
        finally:
            queue.kill()
            if database.answers():
                database.stop()
    finally:
        shutil.rmtree(pg_root, ignore_errors=True)

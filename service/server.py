"""`cuewatch serve`: the API under uvicorn, plus the embedded worker processes.

The workers are `cuewatch worker` child processes with the same environment, restarted if
they die and stopped (SIGTERM, which hands running jobs back to the queue) with the server.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from service.db_command import schema_problem
from service.settings import LOOPBACK_HOSTS, Settings, SettingsError, apply_cli_overrides

log = logging.getLogger("cuewatch.serve")
# A worker that dies sooner than this after starting is crash-looping: wait before the next.
RESTART_BACKOFF_S = 5.0
STOP_GRACE_S = 10.0
# Embedded workers share the machine with the API: this much nicer than the API, they leave
# it the CPU whenever a status request comes in, instead of a slice after the analyses'
# threads (2 workers on 2 cores: status p99 0.7 s at equal priority, see benchmarks/load.py).
WORKER_NICENESS = 10


class WorkerPool:
    """Keeps `count` worker processes running until `stop()`.

    Args:
        count: how many.
        command: the worker command line.
    """

    def __init__(self, count: int, command: list[str]) -> None:
        self.count, self.command = count, command
        self.procs: list[subprocess.Popen[bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="worker-pool", daemon=True)

    def start(self) -> None:
        self.procs = [self._spawn() for _ in range(self.count)]
        self._thread.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL)
        # Before the interpreter has started its threads, which inherit the niceness.
        with contextlib.suppress(OSError):
            niceness = os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS
            os.setpriority(os.PRIO_PROCESS, proc.pid, min(19, niceness))
        return proc

    def _watch(self) -> None:
        started = {id(p): time.monotonic() for p in self.procs}
        while not self._stop.wait(1.0):
            for i, proc in enumerate(self.procs):
                if proc.poll() is None or self._stop.is_set():
                    continue
                log.warning("worker pid %d exited with %s; restarting", proc.pid, proc.returncode)
                if time.monotonic() - started.get(id(proc), 0.0) < RESTART_BACKOFF_S:
                    self._stop.wait(RESTART_BACKOFF_S)
                if not self._stop.is_set():
                    self.procs[i] = self._spawn()
                    started[id(self.procs[i])] = time.monotonic()

    def stop(self) -> None:
        """SIGTERM to every worker, then SIGKILL to those still running after a grace period."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def check_exposure(settings: Settings, host: str) -> str | None:
    """Why the server must not start with these settings on this host, if it must not."""
    if settings.open_mode and host not in LOOPBACK_HOSTS:
        return (
            f"no API keys are configured (CUEWATCH_API_KEYS), so the API is open and may "
            f"only listen on localhost, not {host!r}"
        )
    return None


def serve_main(args: argparse.Namespace) -> int:
    """Runs the API (and its embedded workers) until interrupted.

    Args:
        args: host, port, data_dir and workers from the command line.
    """
    try:
        settings = apply_cli_overrides(data_dir=args.data_dir, workers=args.workers)
    except SettingsError as exc:
        print(f"cuewatch serve: {exc}", file=sys.stderr)
        return 2
    if problem := check_exposure(settings, args.host) or schema_problem(settings):
        print(f"cuewatch serve: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(name)s %(message)s")
    _announce(settings, args)
    pool = WorkerPool(settings.workers, [sys.executable, "-m", "service.cli", "worker"])
    # uvicorn re-raises SIGTERM once it has shut down: exit through `finally` to stop the pool.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    pool.start()
    try:
        return _run_uvicorn(settings, args.host, args.port)
    finally:
        pool.stop()


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _announce(settings: Settings, args: argparse.Namespace) -> None:
    if settings.open_mode:
        log.warning(
            "OPEN MODE: no CUEWATCH_API_KEYS set; anyone on this machine can use the "
            "API at http://%s:%d (localhost only)",
            args.host,
            args.port,
        )
    else:
        log.info("%d API client(s) configured", len(settings.api_keys))
    queue = "Redis" if settings.uses_redis else "SQLite"
    log.info(
        "data dir %s, %s queue, %d embedded worker(s)", settings.data_dir, queue, settings.workers
    )


def _run_uvicorn(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    from service.app import create_app

    config = uvicorn.Config(
        create_app(),
        host=host,
        port=port,
        server_header=False,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1

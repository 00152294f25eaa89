"""The API server of a latency run: `cuewatch serve` as a child process, and what is
measured or changed on it from outside (CPU time, worker priority, a py-spy profile)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CUEWATCH = Path(sys.executable).with_name("cuewatch")
PY_SPY = Path(sys.executable).with_name("py-spy")
HOST = "127.0.0.1"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux `/proc`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Every live descendant process of `pid` (Linux `/proc/PID/task/TID/children`)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def renice(pid: int, niceness: int) -> None:
    # Niceness is per thread on Linux, and MediaPipe's threads already run: set each.
    for task in Path(f"/proc/{pid}/task").glob("*"):
        os.setpriority(os.PRIO_PROCESS, int(task.name), niceness)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    log = (data_dir / "serve.log").open("wb")
    command = [str(CUEWATCH), "serve", "--host", HOST, "--port", str(port)]
    command += ["--data-dir", str(data_dir)]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"cuewatch serve exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{base}/readyz not ready after {timeout_s:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    # SIGINT is uvicorn's graceful shutdown; `serve` then stops its worker processes.
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def start_profiler(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    command = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(round(seconds))]
    command += ["--format", "raw", "--rate", "200", "--threads", "--output", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

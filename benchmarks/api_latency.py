"""Status latency of the API while an analysis runs: 50 clients polling one analysis.

Starts `cuewatch serve` (API + embedded worker) on a free 127.0.0.1 port with a fresh data
dir, uploads a recording, waits until its job runs, then lets `--clients` concurrent clients
(one connection each) poll `GET /v1/analyses/{id}` for `--seconds`, and prints p50/p90/p99/max
(with the job statuses seen, so a job that ended early shows). The same load is then measured
again with the job canceled (the idle API, for comparison). Stops the server it started.

    .venv/bin/python benchmarks/api_latency.py [--video FILE] [--clients 50] [--think-ms 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from longvideo import ensure_long_video
from server_proc import (
    HOST,
    cpu_seconds,
    descendants,
    free_port,
    renice,
    start_profiler,
    start_server,
    stop_server,
    wait_ready,
)


@dataclass
class Load:
    """Latencies (ms) of one phase and what else was seen."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: set[str] = field(default_factory=set)
    stages: set[str] = field(default_factory=set)
    seconds: float = 0.0
    client_cpu_s: float = 0.0


def upload(base: str, video: Path) -> str:
    with video.open("rb") as f:
        files = {"video": (video.name, f, "video/mp4")}
        response = httpx.post(f"{base}/v1/analyses", files=files, timeout=300)
    if response.status_code != 202:
        raise RuntimeError(f"upload refused: {response.status_code} {response.text[:500]}")
    analysis_id: str = response.json()["id"]
    return analysis_id


def wait_running(url: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body: dict[str, Any] = httpx.get(url, timeout=5).json()
        if body["status"] != "queued":
            return body
        time.sleep(0.2)
    raise TimeoutError(f"{url} still queued after {timeout_s:.0f} s")


@dataclass
class Phase:
    """What the pollers of one phase share: the target, the end, the request budget."""

    url: str
    until: float
    think_s: float
    budget: int
    load: Load = field(default_factory=Load)


async def _poll(client: httpx.AsyncClient, phase: Phase) -> None:
    load = phase.load
    # Pollers with a think time start at random moments and pause +-50% around it, like
    # independent clients; in step, they would arrive in bursts of `clients` at once.
    await asyncio.sleep(random.uniform(0, phase.think_s))
    while time.monotonic() < phase.until and phase.budget > 0:
        phase.budget -= 1
        started = time.perf_counter()
        try:
            response = await client.get(phase.url)
        except httpx.HTTPError:
            load.errors += 1
            continue
        load.latencies_ms.append(1000 * (time.perf_counter() - started))
        if response.status_code != 200:
            load.errors += 1
            continue
        body = response.json()
        load.statuses.add(str(body.get("status")))
        load.stages.add(str(body.get("stage")))
        await asyncio.sleep(phase.think_s * random.uniform(0.5, 1.5))


async def hammer(url: str, clients: int, seconds: float, max_requests: int, think_s: float) -> Load:
    """`clients` concurrent pollers of `url` for `seconds` (or `max_requests` in all)."""
    # Clients are built and connected before the clock starts: building one takes tens of
    # ms (TLS context), which would stall the event loop and show up as server latency.
    pool = [
        httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=1))
        for _ in range(clients)
    ]
    await asyncio.gather(*(c.get(url) for c in pool))
    cpu, started = time.process_time(), time.monotonic()
    phase = Phase(url, started + seconds, think_s, max_requests)
    await asyncio.gather(*(_poll(c, phase) for c in pool))
    phase.load.seconds = time.monotonic() - started
    phase.load.client_cpu_s = time.process_time() - cpu
    await asyncio.gather(*(c.aclose() for c in pool))
    return phase.load


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summary(load: Load, server_cpu_s: float) -> dict[str, Any]:
    lat = load.latencies_ms
    return {
        "server_cpu_ms_per_request": round(1000 * server_cpu_s / max(1, len(lat)), 2),
        "requests": len(lat),
        "errors": load.errors,
        "seconds": round(load.seconds, 1),
        "requests_per_s": round(len(lat) / load.seconds, 1) if load.seconds else 0.0,
        **{f"p{q}_ms": round(percentile(lat, q), 1) for q in (50, 90, 99)},
        "max_ms": round(max(lat, default=float("nan")), 1),
        "client_cpu_s": round(load.client_cpu_s, 1),
        "job_statuses": sorted(load.statuses),
        "job_stages": sorted(load.stages),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--video", type=Path, default=None, help="default: the 30-minute bench file")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=20.0, help="polling time per phase")
    p.add_argument("--max-requests", type=int, default=50_000, help="cap per phase")
    p.add_argument("--think-ms", type=float, default=1000.0, help="mean pause between polls")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    p.add_argument(
        "--nice-workers", type=int, default=0, help="experiment: renice the worker processes"
    )
    p.add_argument(
        "--profile-server", type=Path, default=None, help="py-spy raw profile of the API here"
    )
    return p.parse_args(argv)


def phase(
    url: str, server_pid: int, args: argparse.Namespace, profile_to: Path | None = None
) -> dict[str, Any]:
    """One phase of load, with the API process's own CPU time over it."""
    cpu = cpu_seconds(server_pid)
    profiler = start_profiler(server_pid, args.seconds, profile_to) if profile_to else None
    load = asyncio.run(
        hammer(url, args.clients, args.seconds, args.max_requests, args.think_ms / 1000)
    )
    if profiler is not None:
        profiler.wait()
    return summary(load, cpu_seconds(server_pid) - cpu) | {"load_avg_1m": os.getloadavg()[0]}


def measure(base: str, server_pid: int, video: Path, args: argparse.Namespace) -> dict[str, Any]:
    analysis_id = upload(base, video)
    url = f"{base}/v1/analyses/{analysis_id}"
    seen = wait_running(url)
    if args.nice_workers:
        for pid in descendants(server_pid):
            renice(pid, args.nice_workers)
    during = phase(url, server_pid, args, args.profile_server)
    after = httpx.get(url, timeout=10).json()
    httpx.post(f"{url}/cancel", timeout=10)
    idle = phase(url, server_pid, args)
    return {
        "video": str(video),
        "clients": args.clients,
        "think_ms": args.think_ms,
        "nice_workers": args.nice_workers,
        "job_when_load_began": {k: seen.get(k) for k in ("status", "stage", "progress")},
        "job_when_load_ended": {k: after.get(k) for k in ("status", "stage", "progress")},
        "during_job": during,
        "idle_after_cancel": idle,
    }


def print_figures(figures: dict[str, Any]) -> None:
    print(
        f"{figures['clients']} clients polling GET /v1/analyses/{{id}}, "
        f"think time {figures['think_ms']:g} ms, "
        f"workers niced {figures['nice_workers']}, "
        f"video {Path(figures['video']).name}"
    )
    print(f"job at start of load: {figures['job_when_load_began']}")
    print(f"job at end of load:   {figures['job_when_load_ended']}")
    print(f"{os.cpu_count()} cores; load_avg_1m is the machine's at the end of each phase")
    for name in ("during_job", "idle_after_cancel"):
        print(f"{name:<18} " + json.dumps(figures[name]))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Its analysis (about 35 s on 2 cores) outlasts the upload and the 20 s of load.
    video = args.video or ensure_long_video(30.0)
    port = free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="cuewatch-latency-") as tmp:
        server = start_server(port, Path(tmp))
        try:
            wait_ready(base, server)
            figures = measure(base, server.pid, video, args)
        except (RuntimeError, TimeoutError, httpx.HTTPError):
            print((Path(tmp) / "serve.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            stop_server(server)
    print_figures(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

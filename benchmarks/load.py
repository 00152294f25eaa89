"""Load on the embedded default: 20 real clips submitted at once by 4 clients, 2 workers.

Starts `cuewatch serve --workers 2` on a free 127.0.0.1 port with a fresh data dir and four
API keys, has each client upload its 5 clips at the same moment, then poll each of its
analyses once a second until it ends. Prints how many succeeded, whether each ran exactly once
(one succeeded run and one result folder per analysis, from the database and the data dir),
the status latency (p50/p90/p99/max), upload latency, wall time, and the peak resident memory
of the whole process tree (API + workers, sampled every 0.2 s from /proc). Stops the server.

    .venv/bin/python benchmarks/load.py [--clips 20] [--clients 4] [--workers 2] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from server_proc import HOST, descendants, free_port, start_server, stop_server, wait_ready

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
FINAL = ("succeeded", "failed", "canceled")


def pick_clips(count: int) -> list[Path]:
    """The `count` smallest shared .mp4 clips (real calls, a few seconds to a minute and a half)."""
    clips = sorted(DATA.glob("*.mp4"), key=lambda p: p.stat().st_size)
    if len(clips) < count:
        raise SystemExit(f"need {count} clips in {DATA}, found {len(clips)}")
    return clips[:count]


def tree_rss_bytes(pid: int) -> int:
    total = 0
    for each in [pid, *descendants(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except FileNotFoundError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


class PeakMemory:
    """Samples the process tree's resident memory in a thread; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                self.peak = max(self.peak, tree_rss_bytes(self.pid))


async def one_client(base: str, key: str, clips: list[Path], stats: dict[str, Any]) -> None:
    """Uploads `clips` at once, then polls each analysis once a second until it ends."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as client:
        ids = await asyncio.gather(*(upload(client, clip, stats) for clip in clips))
        stats["uploads_done"] = max(stats.get("uploads_done", 0.0), time.perf_counter())
        finals = await asyncio.gather(*(poll(client, i, stats) for i in ids))
    stats["finals"].extend(finals)


async def upload(client: httpx.AsyncClient, clip: Path, stats: dict[str, Any]) -> str:
    start = time.perf_counter()
    files = {"video": (clip.name, clip.read_bytes(), "video/mp4")}
    response = await client.post("/v1/analyses", files=files)
    stats["upload_ms"].append((time.perf_counter() - start) * 1000)
    if response.status_code != 202:
        raise RuntimeError(f"{clip.name}: {response.status_code} {response.text[:300]}")
    analysis_id: str = response.json()["id"]
    return analysis_id


async def poll(client: httpx.AsyncClient, analysis_id: str, stats: dict[str, Any]) -> Any:
    while True:
        start = time.perf_counter()
        response = await client.get(f"/v1/analyses/{analysis_id}")
        stats["status_ms"].append((time.perf_counter() - start) * 1000)
        stats["status_at"].append(start)
        body = response.json()
        if response.status_code != 200:
            stats["status_errors"] += 1
        elif body["status"] in FINAL:
            return body
        await asyncio.sleep(1.0)


STATUS_ROUTE = 'route="/v1/analyses/{analysis_id}"'


def server_side_buckets(base: str) -> dict[str, float]:
    """Share of status requests the server itself answered within each bucket (from /metrics:
    time inside the app, without the client's or the kernel's queueing)."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    counts = {}
    for line in text.splitlines():
        if line.startswith("cuewatch_http_request_duration_seconds_bucket") and (
            STATUS_ROUTE in line and 'method="GET"' in line
        ):
            le = line.split('le="')[1].split('"')[0]
            counts[le] = float(line.rsplit(" ", 1)[1])
    total = counts.get("+Inf", 0.0) or 1.0
    return {f"<= {le} s": round(n / total, 4) for le, n in counts.items() if le in WANTED_LE}


WANTED_LE = ("0.025", "0.05", "0.1", "0.25", "1.0")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def exactly_once(data_dir: Path, ids: list[str]) -> list[str]:
    """Analyses that did not run exactly once (runs table and result folders)."""
    with sqlite3.connect(data_dir / "cuewatch.db") as db:
        runs = db.execute("SELECT analysis_id, outcome FROM runs").fetchall()
    wrong = []
    for analysis_id in ids:
        succeeded = [o for a, o in runs if a == analysis_id and o == "succeeded"]
        folders = list((data_dir / "results" / analysis_id).iterdir())
        if len(succeeded) != 1 or len(folders) != 1:
            wrong.append(analysis_id)
    return wrong


def run(args: argparse.Namespace) -> dict[str, Any]:
    clips = pick_clips(args.clips)
    keys = {f"client{i}": f"key-{i}-{os.urandom(4).hex()}" for i in range(args.clients)}
    os.environ["CUEWATCH_API_KEYS"] = ",".join(f"{c}:{k}" for c, k in keys.items())
    os.environ["CUEWATCH_WORKERS"] = str(args.workers)
    stats: dict[str, Any] = {
        "upload_ms": [],
        "status_ms": [],
        "status_at": [],
        "status_errors": 0,
        "finals": [],
    }
    with tempfile.TemporaryDirectory(prefix="cuewatch-load-") as tmp:
        data_dir, port = Path(tmp), free_port()
        base = f"http://{HOST}:{port}"
        server = start_server(port, data_dir)
        try:
            wait_ready(base, server)
            with PeakMemory(server.pid) as memory:
                start = time.monotonic()
                share = [clips[i :: args.clients] for i in range(args.clients)]
                clients = [
                    one_client(base, k, c, stats) for k, c in zip(keys.values(), share, strict=True)
                ]
                asyncio.run(_gather(clients))
                wall_s = time.monotonic() - start
            stats["server_side"] = server_side_buckets(base)
        finally:
            stop_server(server)
        ids = [f["id"] for f in stats["finals"]]
        not_once = exactly_once(data_dir, ids)
    stats.update(wall_s=wall_s, peak=memory.peak, not_once=not_once)
    return summary(stats, clips, args)


async def _gather(clients: list[Any]) -> None:
    await asyncio.gather(*clients)


def summary(stats: dict[str, Any], clips: list[Path], args: argparse.Namespace) -> dict[str, Any]:
    status_ms = stats["status_ms"]
    # Polls sent while some client was still uploading, and those after every upload was in.
    during = [
        ms
        for ms, at in zip(status_ms, stats["status_at"], strict=True)
        if at < stats["uploads_done"]
    ]
    after = [
        ms
        for ms, at in zip(status_ms, stats["status_at"], strict=True)
        if at >= stats["uploads_done"]
    ]
    return {
        "clips": len(clips),
        "clip_bytes": sum(c.stat().st_size for c in clips),
        "clients": args.clients,
        "workers": args.workers,
        "succeeded": sum(f["status"] == "succeeded" for f in stats["finals"]),
        "not_exactly_once": stats["not_once"],
        "wall_s": round(stats["wall_s"], 1),
        "status_requests": len(status_ms),
        "status_errors": stats["status_errors"],
        "status_ms": {
            q: round(percentile(status_ms, v), 1)
            for q, v in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        },
        "status_ms_while_uploading": _quantiles(during),
        "status_ms_after_uploads": _quantiles(after),
        "status_server_side": stats["server_side"],
        "upload_ms": {
            q: round(percentile(stats["upload_ms"], v), 1) for q, v in (("p50", 0.5), ("max", 1.0))
        },
        "peak_tree_rss_mb": round(stats["peak"] / 2**20),
        "load_average": os.getloadavg(),
    }


def _quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    pairs = (("n", -1.0), ("p50", 0.5), ("p99", 0.99), ("max", 1.0))
    return {q: len(values) if v < 0 else round(percentile(values, v), 1) for q, v in pairs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    figures = run(args)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    ok = figures["succeeded"] == figures["clips"] and not figures["not_exactly_once"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

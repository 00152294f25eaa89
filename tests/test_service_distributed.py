"""The compose topology without Docker: API + two workers on the local Redis and PostgreSQL.

One worker is killed with SIGKILL in the middle of a job; every job must still succeed, and
each exactly once (one succeeded run, one result folder).
"""

from __future__ import annotations

import os
import secrets
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
import yaml

from tests.test_service_support import ALICE, REPO, clip, cuewatch, free_port, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.mediapipe]
REDIS = "redis://127.0.0.1:6379/0"
# The first clip is the one whose worker is killed mid-job: the longest (93 s, a few seconds
# of work), so that the job is still running when its progress first shows.
CLIPS = [
    "composite_notes_then_stop.mp4",
    "interview_woman_talking.mp4",
    "studio_d0_glance.mp4",
    "studio_mead_w023_1080p.mp4",
    "talk_glasses.mp4",
]


@pytest.fixture
def queue_name() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"local Redis not reachable: {exc}")
    name = f"cuewatch-test-{secrets.token_hex(4)}"
    yield name
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)
    client.close()


def compose_command(service: str) -> list[str]:
    """The command docker-compose.yml gives a service, as a local `cuewatch` invocation."""
    spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    args: list[str] = spec["services"][service]["command"]
    assert args[0] == "cuewatch"
    return args[1:]


def local(args: list[str], **values: str) -> list[str]:
    """Replaces option values (e.g. --host) of a compose command for this machine."""
    out = list(args)
    for name, value in values.items():
        option = "--" + name.replace("_", "-")
        if option in out:
            out[out.index(option) + 1] = value
        else:
            out += [option, value]
    return out


def test_killed_worker_jobs_still_succeed_exactly_once(
    tmp_path: Path, pg_database: str, queue_name: str
) -> None:
    paths = [clip(name) for name in CLIPS]
    data, port = tmp_path / "data", free_port()
    env = {
        "CUEWATCH_DATABASE_URL": pg_database,
        "CUEWATCH_QUEUE_URL": REDIS,
        "CUEWATCH_QUEUE_NAME": queue_name,
        "CUEWATCH_API_KEYS": "alice:key-alice",
        "CUEWATCH_SECRET_KEY": "distributed-test",
        "CUEWATCH_LEASE_S": "4",
    }
    api_args = local(compose_command("api"), host="127.0.0.1", port=str(port), data_dir=str(data))
    worker_args = local(compose_command("worker"), data_dir=str(data))
    migrate(env, data, tmp_path / "migrate.log")
    with ExitStack() as stack:
        stack.enter_context(cuewatch(api_args, env, tmp_path / "api.log"))
        client = stack.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60))
        wait_for(lambda: _ready(client), 60, "the API")
        workers = [
            stack.enter_context(cuewatch(worker_args, env, tmp_path / f"worker{i}.log"))
            for i in range(2)
        ]
        ids = _submit_all(client, paths)
        victim = _kill_worker_mid_job(pg_database, ids[0], workers)
        finished = [wait_for(lambda i=i: _final(client, i), 240, f"analysis {i}") for i in ids]
        logs = "\n".join(p.read_text()[-2000:] for p in tmp_path.glob("*.log"))
        assert [f["status"] for f in finished] == ["succeeded"] * len(ids), logs
        for analysis_id in ids:
            assert client.get(f"/v1/analyses/{analysis_id}/result", headers=ALICE).json()["summary"]
    _check_exactly_once(pg_database, data, ids, victim)


def migrate(env: dict[str, str], data: Path, log: Path) -> None:
    """Runs the compose file's `migrate` service (the schema upgrade) to completion."""
    with cuewatch(local(compose_command("migrate"), data_dir=str(data)), env, log) as proc:
        assert proc.wait(timeout=60) == 0, log.read_text()


def _ready(client: httpx.Client) -> bool:
    try:
        return client.get("/readyz").status_code == 200
    except httpx.TransportError:
        return False


def _submit_all(client: httpx.Client, paths: list[Path]) -> list[str]:
    def submit(path: Path) -> str:
        with path.open("rb") as f:
            response = client.post(
                "/v1/analyses", headers=ALICE, files={"video": (path.name, f, "video/mp4")}
            )
        assert response.status_code == 202, response.text
        analysis_id: str = response.json()["id"]
        return analysis_id

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(submit, paths))


def _kill_worker_mid_job(pg_database: str, analysis_id: str, workers: list[Any]) -> int:
    """SIGKILLs the worker running `analysis_id` once it has made progress; returns its pid."""
    pids = {proc.pid for proc in workers}

    def running_on() -> int | None:
        with psycopg.connect(pg_database) as conn:
            row = conn.execute(
                "SELECT r.worker FROM runs r JOIN analyses a ON a.id = r.analysis_id "
                "WHERE r.analysis_id = %s AND r.ended_at IS NULL AND a.progress > 0",
                (analysis_id,),
            ).fetchone()
        pid = int(row[0].rsplit(":", 1)[1]) if row else None
        return pid if pid in pids else None

    pid = wait_for(running_on, 180, f"{analysis_id} to be running")
    os.kill(pid, signal.SIGKILL)
    return pid


def _final(client: httpx.Client, analysis_id: str) -> dict[str, Any] | None:
    body: dict[str, Any] = client.get(f"/v1/analyses/{analysis_id}", headers=ALICE).json()
    return body if body["status"] in ("succeeded", "failed", "canceled") else None


def _check_exactly_once(pg_database: str, data: Path, ids: list[str], victim: int) -> None:
    with psycopg.connect(pg_database) as conn:
        runs = conn.execute("SELECT analysis_id, worker, outcome FROM runs").fetchall()
    for analysis_id in ids:
        outcomes = [outcome for a, _, outcome in runs if a == analysis_id]
        assert outcomes.count("succeeded") == 1, (analysis_id, outcomes)
        assert len(list((data / "results" / analysis_id).iterdir())) == 1
    killed = [(w, o) for a, w, o in runs if a == ids[0] and w.endswith(f":{victim}")]
    assert killed == [(killed[0][0], "lost")]
    assert list((data / "videos").iterdir()) == []  # every video deleted once analysed

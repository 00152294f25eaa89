"""Chaos on real processes: the compose topology's commands (migrate, api, workers) on a Redis
and a PostgreSQL of the test's own, which the tests kill and restart; an API killed
mid-upload; a data dir on a full disk. Never the machine's shared Redis or PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from huey import RedisHuey

from tests.test_service_chaos_support import OwnPostgres, OwnRedis, own_services
from tests.test_service_distributed import compose_command, local, migrate
from tests.test_service_support import ALICE, clip, cuewatch, free_port, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]
PROBLEM = "application/problem+json"
FINAL = ("succeeded", "failed", "canceled")


class Topology:
    """migrate, then the api and `workers` workers, as docker-compose.yml runs them."""

    def __init__(self, root: Path, queue_url: str, database_url: str, workers: int) -> None:
        self.root, self.data, self.port = root, root / "data", free_port()
        self.env = {
            "CUEWATCH_DATABASE_URL": database_url,
            "CUEWATCH_QUEUE_URL": queue_url,
            "CUEWATCH_API_KEYS": "alice:key-alice",
            "CUEWATCH_SECRET_KEY": "chaos-test",
            # Short leases: a lost job is noticed, and a lost message re-sent, within seconds.
            "CUEWATCH_LEASE_S": "1.5",
        }
        self.workers = workers
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)

    def start(self, stack: ExitStack) -> None:
        stack.callback(self.client.close)
        migrate(self.env, self.data, self.root / "migrate.log")
        self.api = self.start_api(stack)
        for i in range(self.workers):
            args = local(compose_command("worker"), data_dir=str(self.data))
            stack.enter_context(cuewatch(args, self.env, self.root / f"worker{i}.log"))

    def start_api(self, stack: ExitStack) -> subprocess.Popen[bytes]:
        args = local(
            compose_command("api"), host="127.0.0.1", port=str(self.port), data_dir=str(self.data)
        )
        api = stack.enter_context(cuewatch(args, self.env, self.root / "api.log"))
        wait_for(self.ready, 60, "the API")
        return api

    def ready(self) -> bool:
        try:
            return self.client.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    def submit(self, name: str) -> str:
        path = clip(name)
        with path.open("rb") as f:
            files = {"video": (path.name, f, "video/mp4")}
            response = self.client.post("/v1/analyses", headers=ALICE, files=files)
        assert response.status_code == 202, response.text
        analysis_id: str = response.json()["id"]
        return analysis_id

    def status(self, analysis_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.client.get(f"/v1/analyses/{analysis_id}", headers=ALICE).json()
        return body

    def final(self, analysis_id: str) -> dict[str, Any] | None:
        body = self.status(analysis_id)
        return body if body.get("status") in FINAL else None

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in self.root.glob("*.log"))


def succeeded_runs(database_url: str, ids: list[str]) -> dict[str, list[str]]:
    """Each analysis's run outcomes, from the database."""
    with psycopg.connect(database_url) as conn:
        runs = conn.execute("SELECT analysis_id, outcome FROM runs").fetchall()
    return {i: [str(o) for a, o in runs if a == i] for i in ids}


def huey_pending(url: str) -> int:
    """Messages waiting in the topology's queue (Huey's default name, as the compose file)."""
    huey = RedisHuey("cuewatch", url=url)
    try:
        return int(huey.pending_count())
    finally:
        huey.storage.conn.connection_pool.disconnect()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[OwnRedis, OwnPostgres]]:
    with own_services(tmp_path) as both:
        yield both


@pytest.mark.mediapipe
def test_redis_restarted_with_jobs_queued_and_running_every_job_ends_once(
    tmp_path: Path, services: tuple[OwnRedis, OwnPostgres]
) -> None:
    queue, database = services
    topology = Topology(tmp_path, queue.url, database.url, workers=1)
    with ExitStack() as stack:
        topology.start(stack)
        # The long one runs while the two short ones wait behind it (one worker).
        ids = [topology.submit("composite_notes_then_stop.mp4")]
        wait_for(lambda: topology.status(ids[0])["status"] == "running", 120, "a running job")
        ids += [topology.submit(name) for name in ("vox_downcast.mp4", "studio_d18_frontal.mp4")]
        assert [topology.status(i)["status"] for i in ids] == ["running", "queued", "queued"]
        assert huey_pending(queue.url) == 2
        queue.kill()  # no persistence: the two queued messages are gone
        queue.start()
        assert huey_pending(queue.url) == 0
        finished = [wait_for(lambda i=i: topology.final(i), 180, i) for i in ids]
        assert [f["status"] for f in finished] == ["succeeded"] * 3, topology.logs()
    runs = succeeded_runs(database.url, ids)
    assert all(outcomes.count("succeeded") == 1 for outcomes in runs.values()), runs
    for analysis_id in ids:
        assert len(list((topology.data / "results" / analysis_id).iterdir())) == 1


@pytest.mark.mediapipe
def test_postgres_restarted_while_a_job_runs_api_answers_503_then_recovers(
    tmp_path: Path, services: tuple[OwnRedis, OwnPostgres]
) -> None:
    queue, database = services
    topology = Topology(tmp_path, queue.url, database.url, workers=1)
    with ExitStack() as stack:
        topology.start(stack)
        analysis_id = topology.submit("composite_notes_then_stop.mp4")
        wait_for(lambda: topology.status(analysis_id)["status"] == "running", 120, "running")
        database.stop()
        during = topology.client.get(f"/v1/analyses/{analysis_id}", headers=ALICE)
        assert during.status_code == 503, during.text
        assert during.headers["content-type"] == PROBLEM and during.headers["retry-after"]
        assert during.json()["type"] == "urn:cuewatch:problem:database-unavailable"
        assert topology.client.get("/readyz").status_code == 503
        database.start()
        wait_for(lambda: topology.client.get("/readyz").status_code == 200, 30, "recovery")
        final = wait_for(lambda: topology.final(analysis_id), 240, analysis_id)
        assert final["status"] == "succeeded", topology.logs()
    [outcomes] = succeeded_runs(database.url, [analysis_id]).values()
    assert outcomes.count("succeeded") == 1, outcomes  # completed, or retried once and then


def test_api_killed_mid_upload_leaves_no_partial_file_and_no_record(
    tmp_path: Path, services: tuple[OwnRedis, OwnPostgres]
) -> None:
    queue, database = services
    topology = Topology(tmp_path, queue.url, database.url, workers=0)
    incoming = topology.data / "incoming"
    with ExitStack() as stack:
        topology.start(stack)
        started = threading.Event()
        sender = threading.Thread(
            target=_slow_upload, args=(topology, started, incoming), daemon=True
        )
        sender.start()
        wait_for(lambda: list(incoming.glob("*.part")), 30, "the upload to reach the disk")
        os.kill(topology.api.pid, signal.SIGKILL)
        topology.api.wait()
        started.set()  # lets the sender finish (it fails: the server is gone)
        sender.join(timeout=30)
        assert list(incoming.glob("*.part"))  # the killed process's partial file
        topology.start_api(stack)
        assert list(incoming.iterdir()) == []
        listed = topology.client.get("/v1/analyses", headers=ALICE).json()
        assert listed["items"] == []
    assert list((topology.data / "videos").iterdir()) == []


def _slow_upload(topology: Topology, release: threading.Event, incoming: Path) -> None:
    """Sends the head of a multipart upload, then holds the rest back until `release`."""
    boundary = "chaosboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head + b"\0" * 256 * 1024
        release.wait(timeout=60)
        yield b"\0" * 1024 + f"\r\n--{boundary}--\r\n".encode()

    headers = {**ALICE, "content-type": f"multipart/form-data; boundary={boundary}"}
    with suppress(httpx.TransportError):  # the server is killed while it reads
        topology.client.post("/v1/analyses", headers=headers, content=body())


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs, or a clean skip where mounting is not allowed."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_during_an_upload_is_507_and_leaves_nothing(
    tmp_path: Path, small_disk: Path
) -> None:
    port = free_port()
    env = {
        "CUEWATCH_API_KEYS": "alice:key-alice",
        # The data dir fills up; the job state lives elsewhere, as on a separate volume.
        "CUEWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'cuewatch.db'}",
        "CUEWATCH_QUEUE_URL": str(tmp_path / "queue.db"),
    }
    args = ["serve", "--port", str(port), "--data-dir", str(small_disk), "--workers", "0"]
    with (
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client,
        cuewatch(args, env, tmp_path / "serve.log"),
    ):
        wait_for(lambda: _answers(client), 60, "the server")
        big = clip("layout_speaker_view_small_tile.mp4")  # 4.2 MB: more than the disk holds
        refused = client.post(
            "/v1/analyses", headers=ALICE, files={"video": (big.name, big.read_bytes())}
        )
        assert refused.status_code == 507, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["type"] == "urn:cuewatch:problem:insufficient-storage"
        assert [p for p in small_disk.rglob("*") if p.is_file()] == []
        small = clip("vox_downcast.mp4")
        accepted = client.post(
            "/v1/analyses", headers=ALICE, files={"video": (small.name, small.read_bytes())}
        )
        assert accepted.status_code == 202, accepted.text  # still serving
        metrics = client.get("/metrics").text
        assert 'cuewatch_limit_refusals_total{limit="disk_full"} 1.0' in metrics


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/livez").status_code == 200
    except httpx.TransportError:
        return False

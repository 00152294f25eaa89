"""Shared fixtures: the real data folder (../shared/data) and committed landmark recordings."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from pipeline.types import LandmarkSeries

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from service.settings import Settings
    from tests.test_service_support import FakeRunner

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data"
LANDMARKS_DIR = REPO / "tests" / "data" / "landmarks"


def shared_path(relative: str) -> Path:
    """A file under ../shared/data, or a clean skip when the data is not there."""
    path = DATA_DIR / relative
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def recording(name: str) -> LandmarkSeries:
    """A committed landmark recording, made by `cuewatch record` from a shared clip."""
    path = LANDMARKS_DIR / f"{name}.npz"
    if not path.exists():
        pytest.fail(f"missing recording {path}: regenerate with `make recordings`")
    return LandmarkSeries.load(path)


@pytest.fixture
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared data not available: {DATA_DIR}")
    return DATA_DIR


# --- the API on the embedded default, jobs run by a FakeRunner (service tests) ------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    from tests.test_service_support import make_settings  # it imports this module

    return make_settings(tmp_path)


@pytest.fixture
def runner_and_client(settings: Settings) -> Iterator[tuple[FakeRunner, TestClient]]:
    from tests.test_service_support import app_clients

    yield from app_clients(settings)


@pytest.fixture
def client(runner_and_client: tuple[FakeRunner, TestClient]) -> TestClient:
    return runner_and_client[1]


@pytest.fixture
def runner(runner_and_client: tuple[FakeRunner, TestClient]) -> FakeRunner:
    return runner_and_client[0]


@pytest.fixture
def video() -> bytes:
    """A real 3 s clip, as uploaded bytes."""
    return shared_path("videos/studio_d0_glance.mp4").read_bytes()


# The local PostgreSQL (trust auth), as the machine and CI run it.
PG = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A throwaway database on the local PostgreSQL (its URL), dropped afterwards; the test
    is skipped when the server is not reachable."""
    name = f"cuewatch_test_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"local PostgreSQL not reachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

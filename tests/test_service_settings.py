"""Settings from the environment, the open-mode guard, and the API process's imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from service.server import check_exposure
from service.settings import GIB, Settings, SettingsError
from tests.test_service_support import REPO


def test_defaults_are_the_embedded_mode(tmp_path: Path) -> None:
    settings = Settings.from_env({"CUEWATCH_DATA_DIR": str(tmp_path)})
    assert settings.open_mode and settings.workers == 1
    assert settings.db_url == f"sqlite:///{tmp_path / 'cuewatch.db'}"
    assert not settings.uses_redis and settings.queue_file == tmp_path / "queue.db"
    assert settings.max_upload_bytes == 2 * GIB and settings.retention_days == 30


def test_distributed_settings(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CUEWATCH_DATA_DIR": str(tmp_path),
            "CUEWATCH_API_KEYS": " web:k1 , batch:k2 ",
            "CUEWATCH_DATABASE_URL": "postgresql://postgres@db:5432/cuewatch",
            "CUEWATCH_QUEUE_URL": "redis://redis:6379/0",
            "CUEWATCH_WORKERS": "0",
            "CUEWATCH_LEASE_S": "6",
        }
    )
    assert settings.api_keys == {"k1": "web", "k2": "batch"}
    assert settings.db_url == "postgresql+psycopg://postgres@db:5432/cuewatch"
    assert settings.uses_redis and settings.workers == 0 and settings.heartbeat_s == 2.0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CUEWATCH_API_KEYS", "justakey"),  # no client name
        ("CUEWATCH_API_KEYS", "a:k1,a:k2"),  # a client listed twice
        ("CUEWATCH_MAX_UPLOAD_BYTES", "2GB"),  # not an integer
        ("CUEWATCH_RETENTION_DAYS", "-1"),  # negative
        ("CUEWATCH_WORKERS", "-2"),  # negative
    ],
)
def test_malformed_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_secrets_are_not_echoed_in_errors() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"CUEWATCH_API_KEYS": "ok:secret-key,:other-secret"})
    assert "secret" not in str(error.value)


@pytest.mark.parametrize(
    ("keys", "host", "refused"),
    [
        ({}, "127.0.0.1", False),  # open mode on localhost: allowed, with a warning
        ({}, "0.0.0.0", True),  # open mode on every interface: refused
        ({"k": "c"}, "0.0.0.0", False),  # keys configured: any interface
    ],
)
def test_open_mode_is_localhost_only(
    tmp_path: Path, keys: dict[str, str], host: str, refused: bool
) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=keys)
    assert (check_exposure(settings, host) is not None) == refused


def test_the_api_process_never_imports_mediapipe(tmp_path: Path) -> None:
    # Build the app, run its lifespan and a request, then look at what got imported.
    code = f"""
import sys
from pathlib import Path
from fastapi.testclient import TestClient
import service.server
from service.app import create_app
from service.settings import Settings, get_settings
app = create_app()
app.dependency_overrides[get_settings] = lambda: Settings(data_dir=Path({str(tmp_path)!r}))
with TestClient(app) as client:
    assert client.get("/readyz").status_code == 200
    assert client.post("/v1/analyses", files={{"video": ("a.mp4", b"x")}}).status_code == 422
heavy = {{"mediapipe", "pipeline.people.landmarks", "pipeline.analyze"}} & set(sys.modules)
assert not heavy, heavy
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr

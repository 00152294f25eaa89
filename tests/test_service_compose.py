"""docker-compose.yml and the Dockerfile, checked against the real settings and CLI.

Docker cannot run here; test_service_distributed.py runs the same commands without it.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from service.cli import build_parser
from service.server import check_exposure
from service.settings import ENV_DEFAULTS, Settings
from tests.test_service_support import REPO

# Values a deployer would export for the `${NAME:?...}` variables.
DEPLOYER_ENV = {"CUEWATCH_API_KEYS": "web:k1", "CUEWATCH_SECRET_KEY": "s" * 32}
_VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` substitution."""

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if name in env:
            return env[name]
        if kind == "?":
            pytest.fail(f"{name} is required by docker-compose.yml: {rest}")
        return rest or ""

    return _VARIABLE.sub(one, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {k: interpolate(str(v), DEPLOYER_ENV) for k, v in service["environment"].items()}


def command(compose: dict[str, Any], name: str) -> list[str]:
    """A service's command line, which every compose test and the distributed test use."""
    cmd: list[str] = compose["services"][name]["command"]
    return cmd


def test_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"migrate", "api", "worker", "redis", "postgres"}
    assert compose["services"]["worker"]["deploy"]["replicas"] >= 2
    assert "container_name" not in compose["services"]["worker"]  # so that it scales


def test_commands_are_real_cli_invocations(compose: dict[str, Any]) -> None:
    api = build_parser().parse_args(command(compose, "api")[1:])
    assert (api.command, api.host, api.workers) == ("serve", "0.0.0.0", 0)
    assert compose["services"]["api"]["ports"] == [f"{api.port}:{api.port}"]
    worker = build_parser().parse_args(command(compose, "worker")[1:])
    assert worker.command == "worker"
    migrate = build_parser().parse_args(command(compose, "migrate")[1:])
    assert (migrate.command, migrate.action) == ("db", "upgrade")
    assert {command(compose, n)[0] for n in ("migrate", "api", "worker")} == {"cuewatch"}


def test_the_schema_is_upgraded_once_before_the_api_and_workers_start(
    compose: dict[str, Any],
) -> None:
    migrate = compose["services"]["migrate"]
    assert migrate["restart"] == "no"  # a one-shot job: its exit is what the others wait for
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("api", "worker"):
        condition = compose["services"][name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


@pytest.mark.parametrize("name", ["migrate", "api", "worker"])
def test_environment_is_the_distributed_mode(compose: dict[str, Any], name: str) -> None:
    env = environment(compose["services"][name])
    assert set(env) <= set(ENV_DEFAULTS), set(env) - set(ENV_DEFAULTS)
    settings = Settings.from_env(env)
    assert settings.db_url.startswith("postgresql+psycopg://") and settings.uses_redis
    assert check_exposure(settings, "0.0.0.0") is None  # keys are required, not open mode
    database = urlsplit(env["CUEWATCH_DATABASE_URL"])
    postgres = {
        k: interpolate(str(v), DEPLOYER_ENV)
        for k, v in compose["services"]["postgres"]["environment"].items()
    }
    assert (database.hostname, database.username, database.password, database.path) == (
        "postgres",
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        "/" + postgres["POSTGRES_DB"],
    )
    assert urlsplit(env["CUEWATCH_QUEUE_URL"]).hostname == "redis"


def test_api_and_workers_share_the_data_volume(compose: dict[str, Any]) -> None:
    mounts = []
    for name in ("api", "worker"):
        service = compose["services"][name]
        data_dir = environment(service)["CUEWATCH_DATA_DIR"]
        [mount] = [v for v in service["volumes"] if v.endswith(":" + data_dir)]
        mounts.append(mount)
    assert mounts[0] == mounts[1] and mounts[0].split(":")[0] in compose["volumes"]


def test_dependencies_wait_for_healthy_backends(compose: dict[str, Any]) -> None:
    for name in ("api", "worker"):
        depends = compose["services"][name]["depends_on"]
        assert {k: v["condition"] for k, v in depends.items()} == {
            "postgres": "service_healthy",
            "redis": "service_healthy",
            "migrate": "service_completed_successfully",
        }
    for name in ("redis", "postgres"):
        assert compose["services"][name]["healthcheck"]["test"]


def test_dockerfile_installs_the_package_and_runs_the_cli() -> None:
    lines = [line.strip() for line in (REPO / "Dockerfile").read_text().splitlines()]
    assert "RUN pip install ." in lines
    [cmd] = [line for line in lines if line.startswith("CMD")]
    args = shlex.split(cmd.removeprefix("CMD").strip().strip("[]").replace(",", " "))
    parsed = build_parser().parse_args(args[1:])
    assert (args[0], parsed.command) == ("cuewatch", "serve")
    assert f"EXPOSE {parsed.port}" in lines
    assert any(line.startswith("USER ") and "root" not in line for line in lines)


def test_dockerignore_keeps_data_and_the_venv_out() -> None:
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".git", ".venv", "data", "tests"} <= ignored


def test_copied_paths_exist() -> None:
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (REPO / source).exists(), source
    assert Path(REPO / "service" / "cli.py").is_file()

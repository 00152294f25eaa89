"""Service settings, read from `CUEWATCH_*` environment variables when first asked for.

Nothing here runs at import: `get_settings()` builds the settings once, and tests override it
(FastAPI `dependency_overrides`) or call `Settings.from_env` with their own mapping.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

GIB = 1024**3
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})

# Every variable the service reads, with its default as documented in the README.
ENV_DEFAULTS: dict[str, str] = {
    "CUEWATCH_DATA_DIR": "data",
    "CUEWATCH_API_KEYS": "",
    "CUEWATCH_DATABASE_URL": "",
    "CUEWATCH_QUEUE_URL": "",
    "CUEWATCH_QUEUE_NAME": "cuewatch",
    "CUEWATCH_WORKERS": "1",
    "CUEWATCH_MAX_UPLOAD_BYTES": str(2 * GIB),
    "CUEWATCH_MAX_DURATION_S": "10800",
    "CUEWATCH_RETENTION_DAYS": "30",
    "CUEWATCH_LEASE_S": "30",
    "CUEWATCH_MAX_ATTEMPTS": "3",
    "CUEWATCH_SECRET_KEY": "",
    "CUEWATCH_WEBHOOK_SECRETS": "",
    "CUEWATCH_WEBHOOK_RETRIES": "8",
    "CUEWATCH_WEBHOOK_ALLOW_PRIVATE": "false",
    "CUEWATCH_PUBLIC_URL": "",
    "CUEWATCH_LOG_LEVEL": "INFO",
    "CUEWATCH_CLIENT_MAX_ACTIVE": "20",
    "CUEWATCH_CLIENT_UPLOADS_PER_MINUTE": "30",
    "CUEWATCH_CLIENT_MAX_STORED_BYTES": str(20 * GIB),
}


N = TypeVar("N", int, float)


class SettingsError(ValueError):
    """A `CUEWATCH_*` variable has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything the API and the workers are configured with.

    Attributes:
        data_dir: uploads, results and (embedded mode) the SQLite files live here.
        api_keys: API key -> client id; empty means open mode (localhost only).
        database_url: SQLAlchemy URL of the job-state database.
        queue_url: `redis://...` for RedisHuey, else a SQLite file path for SqliteHuey.
        queue_name: Huey queue name (lets several deployments share one Redis).
        workers: worker processes `cuewatch serve` starts (0: none, distributed mode).
        max_upload_bytes: uploads larger than this are refused with 413.
        max_duration_s: recordings longer than this are refused with 422.
        retention_days: analyses (results and rows) are deleted this long after upload.
        lease_s: a running job whose worker has not renewed its lease for this long is
            given to another worker.
        max_attempts: a job whose worker died this many times fails instead of re-running.
        secret_key: derives per-client webhook secrets; empty: one is kept in the data dir.
        webhook_secrets: client id -> explicit `whsec_...` webhook secret.
        webhook_retries: delivery attempts after the first failed one.
        webhook_allow_private: also deliver to loopback and private-network addresses
            (off by default, so that a client cannot make workers probe the internal network).
        public_url: absolute base for links in webhook events (empty: relative links).
        log_level: Python logging level name.
        client_max_active: analyses one client may have queued or running at once (0: no
            limit); 20 keeps one client from filling the queue of a 1-4 worker machine.
        client_uploads_per_minute: new analyses per client per minute (0: no limit).
        client_max_stored_bytes: bytes of video one client may have held on the server at
            once (queued, running or kept; 0: no limit); 20 GiB is ten maximal uploads.
    """

    data_dir: Path
    api_keys: Mapping[str, str] = field(default_factory=dict)
    database_url: str = ""
    queue_url: str = ""
    queue_name: str = "cuewatch"
    workers: int = 1
    max_upload_bytes: int = 2 * GIB
    max_duration_s: float = 10800.0
    retention_days: float = 30.0
    lease_s: float = 30.0
    max_attempts: int = 3
    secret_key: str = ""
    webhook_secrets: Mapping[str, str] = field(default_factory=dict)
    webhook_retries: int = 8
    webhook_allow_private: bool = False
    public_url: str = ""
    log_level: str = "INFO"
    client_max_active: int = 20
    client_uploads_per_minute: int = 30
    client_max_stored_bytes: int = 20 * GIB

    @property
    def open_mode(self) -> bool:
        """True when no API keys are configured: anyone who can reach the port may use it."""
        return not self.api_keys

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL, defaulting to SQLite in the data dir, psycopg 3 for PostgreSQL."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'cuewatch.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url

    @property
    def queue_file(self) -> Path:
        """Where SqliteHuey keeps its queue when no Redis URL is given."""
        return Path(self.queue_url) if self.queue_url else self.data_dir / "queue.db"

    @property
    def uses_redis(self) -> bool:
        return self.queue_url.startswith(("redis://", "rediss://", "unix://"))

    @property
    def heartbeat_s(self) -> float:
        """How often a running job renews its lease and reports progress."""
        # Three renewals per lease survive two lost ones; 2 s keeps cancel responsive.
        return min(2.0, self.lease_s / 3)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Builds settings from `CUEWATCH_*` variables (`os.environ` by default).

        Args:
            env: the variables to read; missing ones take `ENV_DEFAULTS`.

        Raises:
            SettingsError: a value is malformed (names the variable and the value).
        """
        src = os.environ if env is None else env
        raw = {k: src.get(k, d).strip() for k, d in ENV_DEFAULTS.items()}
        return cls(
            data_dir=Path(raw["CUEWATCH_DATA_DIR"]).expanduser().resolve(),
            api_keys={key: client for client, key in _pairs(raw, "CUEWATCH_API_KEYS")},
            database_url=raw["CUEWATCH_DATABASE_URL"],
            queue_url=raw["CUEWATCH_QUEUE_URL"],
            queue_name=raw["CUEWATCH_QUEUE_NAME"] or "cuewatch",
            workers=_number(raw, "CUEWATCH_WORKERS", int, 0),
            max_upload_bytes=_number(raw, "CUEWATCH_MAX_UPLOAD_BYTES", int, 1),
            max_duration_s=_number(raw, "CUEWATCH_MAX_DURATION_S", float, 0.001),
            retention_days=_number(raw, "CUEWATCH_RETENTION_DAYS", float, 0.0),
            lease_s=_number(raw, "CUEWATCH_LEASE_S", float, 0.3),
            max_attempts=_number(raw, "CUEWATCH_MAX_ATTEMPTS", int, 1),
            secret_key=raw["CUEWATCH_SECRET_KEY"],
            webhook_secrets=dict(_pairs(raw, "CUEWATCH_WEBHOOK_SECRETS")),
            webhook_retries=_number(raw, "CUEWATCH_WEBHOOK_RETRIES", int, 0),
            webhook_allow_private=_flag(raw, "CUEWATCH_WEBHOOK_ALLOW_PRIVATE"),
            public_url=raw["CUEWATCH_PUBLIC_URL"].rstrip("/"),
            log_level=raw["CUEWATCH_LOG_LEVEL"].upper() or "INFO",
            client_max_active=_number(raw, "CUEWATCH_CLIENT_MAX_ACTIVE", int, 0),
            client_uploads_per_minute=_number(raw, "CUEWATCH_CLIENT_UPLOADS_PER_MINUTE", int, 0),
            client_max_stored_bytes=_number(raw, "CUEWATCH_CLIENT_MAX_STORED_BYTES", int, 0),
        )


def _pairs(raw: Mapping[str, str], name: str) -> list[tuple[str, str]]:
    pairs = []
    for item in filter(None, (p.strip() for p in raw[name].split(","))):
        left, sep, right = item.partition(":")
        if not (sep and left.strip() and right.strip()):
            raise SettingsError(f"{name}: expected 'client:value' pairs, got {left.strip()!r}:...")
        pairs.append((left.strip(), right.strip()))
    clients = [left for left, _ in pairs]
    if len(set(clients)) != len(clients):
        raise SettingsError(f"{name}: a client is listed twice")
    return pairs


def _number(raw: Mapping[str, str], name: str, kind: type[N], low: N) -> N:
    try:
        value = kind(raw[name])
    except ValueError:
        raise SettingsError(f"{name}={raw[name]!r}: expected a {kind.__name__}") from None
    if value < low:
        raise SettingsError(f"{name}={raw[name]!r}: expected at least {low}")
    return value


def _flag(raw: Mapping[str, str], name: str) -> bool:
    value = raw[name].lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{name}={raw[name]!r}: expected true or false")
    return value in ("true", "1", "yes")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, built from the environment on first use.

    Raises:
        SettingsError: a `CUEWATCH_*` variable is malformed.
    """
    return Settings.from_env()


def apply_cli_overrides(**values: object) -> Settings:
    """Puts command-line options into the environment and rebuilds the settings.

    Going through the environment means worker processes started by `cuewatch serve` get
    the same settings.

    Args:
        values: option name (e.g. `data_dir`) -> value; None leaves the variable alone.

    Raises:
        SettingsError: a resulting variable is malformed.
    """
    for name, value in values.items():
        if value is not None:
            os.environ[f"CUEWATCH_{name.upper()}"] = str(value)
    get_settings.cache_clear()
    return get_settings()

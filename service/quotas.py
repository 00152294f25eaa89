"""Per-client limits on uploads: analyses in progress, uploads per minute, video bytes held.

The database is the count: every API process sees the same numbers. `check` runs twice per
upload: before the body is read (cheap refusals waste no bandwidth) and again in the
transaction that inserts the analysis, under a per-client lock, so that concurrent uploads
cannot all slip under a limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from service.problems import Problem
from service.settings import Settings

RATE_WINDOW_S = 60.0
# Analyses take seconds to minutes: a client at its limit of active ones learns to come back
# in about the time a short one takes, not to hammer the API.
ACTIVE_RETRY_AFTER_S = 30
# The `limit` label of cuewatch_limit_refusals, by problem slug.
LIMIT_SLUGS = {
    "too-many-active-analyses": "active_analyses",
    "too-many-uploads": "uploads_per_minute",
    "storage-quota-exceeded": "stored_bytes",
    "insufficient-storage": "disk_full",
}


@dataclass(frozen=True)
class Usage:
    """What a client holds now.

    Attributes:
        active: analyses queued or running.
        recent: analyses created within the last `RATE_WINDOW_S`.
        oldest_recent: when the oldest of those was created (None without any).
        stored_bytes: bytes of the client's videos held on the server (queued, running, kept).
    """

    active: int
    recent: int
    oldest_recent: datetime | None
    stored_bytes: int


def check(
    settings: Settings, client: str, usage: Usage, now: datetime, adding_bytes: int = 0
) -> None:
    """Refuses one more upload by a client at a limit (a limit of 0 is no limit).

    Args:
        settings: the limits.
        client: who uploads.
        usage: what the client holds.
        now: the current time.
        adding_bytes: the upload's size, once known (0 before its body is read).

    Raises:
        Problem: 429 with Retry-After for active analyses or uploads per minute; 413 when the
            videos held already fill the stored-bytes quota.
    """
    if 0 < settings.client_max_active <= usage.active:
        raise Problem(
            429,
            "too-many-active-analyses",
            f"client {client!r} has {usage.active} analyses queued or running; the limit is "
            f"{settings.client_max_active}: wait for one to end",
            headers={"Retry-After": str(ACTIVE_RETRY_AFTER_S)},
        )
    if 0 < settings.client_uploads_per_minute <= usage.recent:
        raise Problem(
            429,
            "too-many-uploads",
            f"client {client!r} has uploaded {usage.recent} recordings in the last minute; "
            f"the limit is {settings.client_uploads_per_minute}",
            headers={"Retry-After": str(_rate_retry_after_s(usage, now))},
        )
    if remaining_bytes(settings, usage) < max(adding_bytes, 1):
        raise quota_exceeded(settings, client, usage)


def _rate_retry_after_s(usage: Usage, now: datetime) -> int:
    if usage.oldest_recent is None:
        return 1
    frees_at = usage.oldest_recent + timedelta(seconds=RATE_WINDOW_S)
    return max(1, math.ceil((frees_at - now).total_seconds()))


def remaining_bytes(settings: Settings, usage: Usage) -> int:
    """Video bytes the client may still upload (a large number without a quota)."""
    if settings.client_max_stored_bytes <= 0:
        return settings.max_upload_bytes
    return settings.client_max_stored_bytes - usage.stored_bytes


def quota_exceeded(settings: Settings, client: str, usage: Usage) -> Problem:
    """413 for an upload that would take the client past its stored-bytes quota."""
    return Problem(
        413,
        "storage-quota-exceeded",
        f"client {client!r} holds {usage.stored_bytes} bytes of video; with this upload it "
        f"would exceed its quota of {settings.client_max_stored_bytes} bytes: delete analyses "
        "with kept videos, or wait for queued ones to finish",
    )


def disk_full() -> Problem:
    """507 when the server's disk has no room for an upload."""
    return Problem(
        507,
        "insufficient-storage",
        "the server has no disk space left for this upload; retry later",
        headers={"Retry-After": "300"},
    )

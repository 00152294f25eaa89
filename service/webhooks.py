"""Completion webhooks signed as Standard Webhooks (webhook-id, -timestamp, -signature).

The event is thin (type, time, id, status, links): receivers fetch the result with their key,
so no analysis data travels to a URL the service cannot vouch for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import socket
import time
from pathlib import Path
from typing import Any

import httpx

from service.db import Analysis
from service.settings import Settings

log = logging.getLogger(__name__)
SECRET_PREFIX = "whsec_"
# A receiver gets this long to answer; a slow one is retried later rather than waited for.
DELIVERY_TIMEOUT_S = 10.0


def server_key(settings: Settings) -> bytes:
    """The key client secrets derive from: CUEWATCH_SECRET_KEY, else one kept in the data dir."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_dir / "secret.key"
    if not path.exists():
        _create_key(path)
    return path.read_bytes().strip()


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32))


def client_secret(settings: Settings, client: str) -> str:
    """The `whsec_...` secret that signs this client's webhooks.

    Args:
        settings: explicit secrets (CUEWATCH_WEBHOOK_SECRETS) win over derived ones.
        client: the client id.
    """
    if client in settings.webhook_secrets:
        return settings.webhook_secrets[client]
    digest = hmac.new(server_key(settings), f"webhook:{client}".encode(), hashlib.sha256)
    return SECRET_PREFIX + base64.b64encode(digest.digest()).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The webhook-signature value `v1,<base64 HMAC-SHA256>` over `id.timestamp.body`.

    Args:
        secret: `whsec_` followed by the base64 key.
        msg_id: the webhook-id (stable across retries).
        timestamp: the webhook-timestamp, Unix seconds.
        body: the exact request body.
    """
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def event_for(row: Analysis, links: dict[str, str]) -> dict[str, Any]:
    """The delivery for a finished analysis, ready to enqueue (no secret inside)."""
    kind = f"analysis.{row.status}"
    body = {
        "type": kind,
        "timestamp": (row.finished_at or row.created_at).isoformat().replace("+00:00", "Z"),
        "data": {
            "id": row.id,
            "status": row.status,
            "error_reason": row.error_reason,
            "links": links,
        },
    }
    return {
        "url": row.options["webhook_url"],
        "client": row.client,
        "id": f"msg_{row.id}_{row.status}",
        "body": json.dumps(body, separators=(",", ":")),
    }


def is_public(host: str) -> bool:
    """Whether every address of a host is a global one (not loopback, private, link-local).

    Args:
        host: a host name or IP literal; names are resolved.
    """
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return True  # unresolvable: the delivery itself fails and is retried
    return all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_global for info in infos)


def deliver(
    settings: Settings, delivery: dict[str, Any], client: httpx.Client | None = None
) -> bool:
    """POSTs one signed event.

    Args:
        settings: for the client's secret and the private-address policy.
        delivery: from `event_for`.
        client: HTTP client to use (tests pass their own).

    Returns:
        True when done: delivered (2xx), or refused for good because the URL points into a
        private network; False when worth retrying.
    """
    host = httpx.URL(delivery["url"]).host
    if not settings.webhook_allow_private and not is_public(host):
        log.warning("webhook %s: its URL resolves to a private address; not sent", delivery["id"])
        return True
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": delivery["id"],
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            client_secret(settings, delivery["client"]),
            delivery["id"],
            timestamp,
            delivery["body"],
        ),
    }
    http = client or httpx.Client(timeout=DELIVERY_TIMEOUT_S, follow_redirects=False)
    try:
        response = http.post(delivery["url"], content=delivery["body"], headers=headers)
    except httpx.HTTPError as exc:
        log.warning("webhook %s: %s", delivery["id"], type(exc).__name__)
        return False
    finally:
        if client is None:
            http.close()
    if not response.is_success:
        log.warning("webhook %s: receiver answered %d", delivery["id"], response.status_code)
    return response.is_success

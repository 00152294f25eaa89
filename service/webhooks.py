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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from service.db import Analysis
from service.settings import Settings

log = logging.getLogger(__name__)
SECRET_PREFIX = "whsec_"
# A receiver gets this long to answer; a slow one is retried later rather than waited for.
DELIVERY_TIMEOUT_S = 10.0
_DEFAULT_PORTS = {"http": 80, "https": 443}


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


# `socket.getaddrinfo`'s shape; tests pass a resolver that changes its answer between calls.
Resolver = Callable[..., Sequence[tuple[Any, ...]]]


class Refused(Exception):
    """The webhook URL's host resolves to an address the service must not connect to."""


def vetted_address(host: str, port: int, allow_private: bool, resolver: Resolver) -> str:
    """Resolves a host once and returns the address to connect to.

    Every address of the answer is vetted, not only the one used, so that a name cannot mix
    a public address with a private one. The caller connects to the returned address itself:
    resolving again would let a name answer differently the second time (DNS rebinding).

    Args:
        host: a host name or IP literal.
        port: the port (part of the lookup, as a connection would do it).
        allow_private: accept loopback, private and link-local addresses.
        resolver: `socket.getaddrinfo` or a stand-in.

    Raises:
        Refused: an address of the host is not a global one.
        OSError: the host does not resolve (worth retrying later).
    """
    infos = resolver(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise OSError(f"{host!r} resolved to no address")
    if not allow_private and not all(a.is_global for a in addresses):
        raise Refused(f"{host!r} resolves to a non-public address")
    return str(addresses[0])


def pinned_request(url: httpx.URL, address: str) -> tuple[httpx.URL, dict[str, str], Any]:
    """The URL rewritten to connect to `address`, with the Host header and TLS server name
    (SNI, also the name the certificate is checked against) of the original host.

    Returns:
        (URL, headers to add, request extensions).
    """
    literal = f"[{address}]" if ":" in address else address
    host_header = url.host if url.port is None else f"{url.host}:{url.port}"
    return url.copy_with(host=literal), {"host": host_header}, {"sni_hostname": url.host}


def deliver(
    settings: Settings,
    delivery: dict[str, Any],
    client: httpx.Client | None = None,
    resolver: Resolver = socket.getaddrinfo,
) -> bool:
    """POSTs one signed event to the address its host resolved to when vetted.

    Args:
        settings: for the client's secret and the private-address policy.
        delivery: from `event_for`.
        client: HTTP client to use (tests pass their own).
        resolver: name resolution (tests pass one whose answer changes between calls).

    Returns:
        True when done: delivered (2xx), or refused for good because the URL points into a
        private network; False when worth retrying.
    """
    url = httpx.URL(delivery["url"])
    try:
        port = url.port or _DEFAULT_PORTS.get(url.scheme, 443)
        address = vetted_address(url.host, port, settings.webhook_allow_private, resolver)
    except Refused:
        log.warning("webhook %s: its URL resolves to a private address; not sent", delivery["id"])
        return True
    except (OSError, UnicodeError) as exc:
        log.warning("webhook %s: cannot resolve its host (%s)", delivery["id"], type(exc).__name__)
        return False
    target, host_header, extensions = pinned_request(url, address)
    timestamp = int(time.time())
    headers = {
        **host_header,
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
        response = http.post(
            target, content=delivery["body"], headers=headers, extensions=extensions
        )
    except httpx.HTTPError as exc:
        log.warning("webhook %s: %s", delivery["id"], type(exc).__name__)
        return False
    finally:
        if client is None:
            http.close()
    if not response.is_success:
        log.warning("webhook %s: receiver answered %d", delivery["id"], response.status_code)
    return response.is_success

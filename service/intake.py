"""Accepting a new analysis: stream the upload, validate options and content, queue the job.

A rejected upload leaves nothing behind: the partial file is deleted on every error path.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from service.db import Analysis, Status, utcnow
from service.deps import AppState
from service.problems import Problem
from service.queue import JobQueue
from service.storage import public_message
from service.upload import Upload, check_length, receive

log = logging.getLogger(__name__)
KNOWN_FIELDS = frozenset({"fps", "participant", "webhook_url", "annotate", "keep_video"})
# Above the source frame rate nothing is gained; 30 covers every webcam.
MAX_FPS = 30.0
_PARTICIPANT = re.compile(r"auto|\d{1,2}|[\d.]+,[\d.]+,[\d.]+,[\d.]+")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")
_TRUE, _FALSE = frozenset({"true", "1", "yes", "on"}), frozenset({"false", "0", "no", "off", ""})


def new_id() -> str:
    return "an_" + secrets.token_hex(12)


async def submit(
    request: Request, state: AppState, queue: JobQueue, client: str, key: str | None
) -> tuple[Analysis, bool]:
    """Receives, checks and queues one upload.

    Args:
        request: the multipart request (its body is read here).
        state: the app's store, storage and settings.
        queue: where the job goes.
        client: the authenticated client.
        key: the Idempotency-Key header, if any.

    Returns:
        (the analysis, True if it is a replay of an earlier request with the same key).

    Raises:
        Problem: 4xx for a refused upload, 503 when the queue is down.
    """
    _check_key(key)
    settings = state.settings
    check_length(request.headers.get("content-length"), settings.max_upload_bytes)
    analysis_id = new_id()
    part = state.storage.incoming(analysis_id)
    try:
        upload = await receive(request.stream(), request.headers.get("content-type", ""), part,
                               settings.max_upload_bytes)
        options = parse_options(upload.fields, settings.webhook_allow_private)
        if key and (prior := await run_in_threadpool(state.store.by_idempotency_key, client, key)):
            return _replay(prior, upload, key), True
        media = await run_in_threadpool(probe_video, part, upload.filename, settings.max_duration_s)
        row = _new_row(analysis_id, client=client, key=key, upload=upload, options=options,
                       media=media, state=state)
        row.video_name = state.storage.accept(analysis_id, part, _suffix(upload.filename))
        if not await run_in_threadpool(_insert, state, row):
            return await _raced(state, client, key, upload), True
    finally:
        part.unlink(missing_ok=True)
    await run_in_threadpool(_enqueue, state, queue, row)
    return row, False


def _check_key(key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= 255:
        raise Problem(400, "invalid-idempotency-key", "Idempotency-Key must be 1-255 characters")


def _replay(prior: Analysis, upload: Upload, key: str) -> Analysis:
    if prior.request_hash != upload.sha256:
        raise Problem(422, "idempotency-key-reused",
                      f"Idempotency-Key {key!r} was already used for a different request")
    return prior


async def _raced(state: AppState, client: str, key: str | None, upload: Upload) -> Analysis:
    prior = await run_in_threadpool(state.store.by_idempotency_key, client, key or "")
    if prior is None:
        raise Problem(409, "conflict", "a concurrent request changed this analysis; retry")
    return _replay(prior, upload, key or "")


def _insert(state: AppState, row: Analysis) -> bool:
    added = False
    try:
        added = state.store.add(row)
    finally:
        if not added:
            state.storage.delete_video(row.video_name)
    return added


def _enqueue(state: AppState, queue: JobQueue, row: Analysis) -> None:
    try:
        queue.enqueue_analysis(row.id)
    except Exception as exc:
        log.error("analysis %s: cannot enqueue (%s)", row.id, type(exc).__name__)
        state.storage.delete_all(row.id, row.video_name)
        state.store.remove(row.id)
        raise Problem(503, "queue-unavailable", "the job queue is unreachable; retry later",
                      headers={"Retry-After": "30"}) from None


def parse_options(fields: dict[str, str], allow_private: bool = False) -> dict[str, Any]:
    """Validates the form's text fields into the analysis options.

    Args:
        fields: the form's text fields.
        allow_private: accept webhook URLs on loopback and private-network addresses.

    Raises:
        Problem: 422 naming the field and what was expected.
    """
    unknown = sorted(set(fields) - KNOWN_FIELDS)
    if unknown:
        raise _bad(unknown[0], fields[unknown[0]], f"one of {sorted(KNOWN_FIELDS)}", "field")
    return {
        "fps": _fps(fields.get("fps", "").strip()),
        "participant": _participant(fields.get("participant", "auto").strip() or "auto"),
        "annotate": _flag(fields, "annotate"),
        "keep_video": _flag(fields, "keep_video"),
        "webhook_url": _webhook(fields.get("webhook_url", "").strip(), allow_private),
    }


def _bad(name: str, value: str, expected: str, what: str = "value") -> Problem:
    return Problem(422, "invalid-option", f"{what} {name}={value[:80]!r}: expected {expected}")


def _fps(raw: str) -> float | None:
    if not raw:
        return None
    try:
        fps = float(raw)
    except ValueError:
        fps = math.nan
    if not 0 < fps <= MAX_FPS:
        raise _bad("fps", raw, f"a number of frames per second in (0, {MAX_FPS:g}]")
    return fps


def _participant(raw: str) -> str:
    if not _PARTICIPANT.fullmatch(raw):
        raise _bad("participant", raw, "auto, a tile index, or a normalised box x,y,w,h")
    if "," in raw and not _inside_frame(raw):
        raise _bad("participant", raw, "a box x,y,w,h inside [0, 1] with w, h > 0")
    return raw


def _inside_frame(box: str) -> bool:
    try:
        x, y, w, h = (float(v) for v in box.split(","))
    except ValueError:
        return False
    # The same tolerance as the pipeline's own check, for boxes rounded by a UI.
    return w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= 1.0001 and y + h <= 1.0001


def _flag(fields: dict[str, str], name: str) -> bool:
    raw = fields.get(name, "").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise _bad(name, raw, "true or false")
    return raw in _TRUE


def _webhook(raw: str, allow_private: bool) -> str | None:
    if not raw:
        return None
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", urlsplit("")
    if parts.scheme not in ("http", "https") or not host or len(raw) > 2000:
        raise _bad("webhook_url", raw, "an absolute http(s) URL")
    if not allow_private and not _public_literal(host):
        raise _bad("webhook_url", raw, "a public address, not loopback or a private network")
    return raw


def _public_literal(host: str) -> bool:
    # Only literals here (no DNS in the request path); workers check resolved names too.
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return True


def probe_video(path: Path, filename: str, max_duration_s: float) -> dict[str, Any]:
    """Checks that the upload is a video the pipeline can read, within the duration cap.

    Args:
        path: the uploaded file.
        filename: the client's name for it (used in messages instead of the server path).
        max_duration_s: longest accepted recording.

    Returns:
        The media summary stored with the analysis.

    Raises:
        Problem: 422 when it is not a readable video or is too long.
    """
    from pipeline.decode import probe
    from pipeline.types import DecodeError

    try:
        info = probe(path)
    except DecodeError as exc:
        detail = public_message(str(exc), path, filename)
        raise Problem(422, "unsupported-video", detail) from None
    if info.width <= 0 or info.height <= 0:
        raise Problem(422, "unsupported-video", f"{filename!r} has no picture")
    if info.duration_ms > max_duration_s * 1000:
        raise Problem(422, "video-too-long", f"{filename!r} lasts {info.duration_ms / 1000:.0f} s;"
                      f" the limit is {max_duration_s:.0f} s")
    return {"duration_ms": info.duration_ms, "width": info.width, "height": info.height,
            "codec": info.codec, "fps": round(info.fps, 3)}


def _suffix(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return suffix if _SUFFIX.fullmatch(suffix) else ""


def _new_row(
    analysis_id: str, *, client: str, key: str | None, upload: Upload,
    options: dict[str, Any], media: dict[str, Any], state: AppState,
) -> Analysis:
    now = utcnow()
    return Analysis(
        id=analysis_id, client=client, status=Status.QUEUED.value, stage="queued",
        progress=0.0, warnings=[], filename=upload.filename[:255], size_bytes=upload.size_bytes,
        media=media, options=options, idempotency_key=key, request_hash=upload.sha256,
        attempts=0, created_at=now, enqueued_at=now,
        expires_at=now + timedelta(days=state.settings.retention_days),
    )

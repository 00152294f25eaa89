"""Accepting a new analysis: stream the upload, validate options and content, queue the job.

A rejected upload leaves nothing behind: the partial file is deleted on every error path.
"""

from __future__ import annotations

import errno
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from service import quotas
from service.db import Analysis, Status, utcnow
from service.deps import AppState
from service.options import parse_options
from service.problems import Problem
from service.queue import JobQueue
from service.storage import public_message
from service.upload import UPLOAD_TOO_LARGE, Upload, check_length, receive

log = logging.getLogger(__name__)
_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")


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
    cap = await _admit(state, client, key)
    check_length(request.headers.get("content-length"), cap.max_bytes, cap.too_large)
    analysis_id = new_id()
    part = state.storage.incoming(analysis_id)
    try:
        upload = await _receive(request, part, cap)
        options = parse_options(upload.fields, settings.webhook_allow_private)
        if key and (prior := await run_in_threadpool(state.store.by_idempotency_key, client, key)):
            return _replay(prior, upload, key), True
        media = await run_in_threadpool(probe_video, part, upload.filename, settings.max_duration_s)
        options["transcript"] = await run_in_threadpool(check_transcript, upload, options, media)
        row = _new_row(
            analysis_id,
            client=client,
            key=key,
            upload=upload,
            options=options,
            media=media,
            state=state,
        )
        row.video_name = state.storage.accept(analysis_id, part, _suffix(upload.filename))
        if upload.transcript is not None:
            state.storage.transcript(analysis_id).write_bytes(upload.transcript)
        if not await run_in_threadpool(_insert, state, row):
            return await _raced(state, client, key, upload), True
    finally:
        part.unlink(missing_ok=True)
    await run_in_threadpool(_enqueue, state, queue, row)
    return row, False


@dataclass(frozen=True)
class _Cap:
    """The most video bytes this upload may have, and the problem for going over."""

    max_bytes: int
    too_large: Problem | None  # None: the server's own upload cap is the one that binds


async def _admit(state: AppState, client: str, key: str | None) -> _Cap:
    """Refuses a client already at a limit before its body is read; returns its byte cap.

    A retry of an earlier request (a known Idempotency-Key) is not counted against limits.
    """
    settings, now = state.settings, utcnow()
    if key:
        prior = await run_in_threadpool(state.store.by_idempotency_key, client, key)
        if prior is not None:
            return _Cap(settings.max_upload_bytes, None)
    usage = await run_in_threadpool(state.store.usage, client, now)
    quotas.check(settings, client, usage, now)
    remaining = quotas.remaining_bytes(settings, usage)
    if remaining >= settings.max_upload_bytes:
        return _Cap(settings.max_upload_bytes, None)
    return _Cap(remaining, quotas.quota_exceeded(settings, client, usage))


async def _receive(request: Request, part: Path, cap: _Cap) -> Upload:
    try:
        return await receive(
            request.stream(), request.headers.get("content-type", ""), part, cap.max_bytes
        )
    except Problem as exc:
        if exc.slug == UPLOAD_TOO_LARGE and cap.too_large is not None:
            raise cap.too_large from None
        raise
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            log.error("upload refused: the data dir's disk is full")
            raise quotas.disk_full() from None
        raise


def _check_key(key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= 255:
        raise Problem(
            400,
            "invalid-idempotency-key",
            f"Idempotency-Key must be 1-255 characters; this one has {len(key)}",
        )


def _replay(prior: Analysis, upload: Upload, key: str) -> Analysis:
    if prior.request_hash != upload.sha256:
        raise Problem(
            422,
            "idempotency-key-reused",
            f"Idempotency-Key {key!r} was already used for a different request",
        )
    return prior


async def _raced(state: AppState, client: str, key: str | None, upload: Upload) -> Analysis:
    prior = await run_in_threadpool(state.store.by_idempotency_key, client, key or "")
    if prior is None:
        raise Problem(409, "conflict", "a concurrent request changed this analysis; retry")
    return _replay(prior, upload, key or "")


def _insert(state: AppState, row: Analysis) -> bool:
    def within_limits(usage: quotas.Usage) -> None:
        quotas.check(state.settings, row.client, usage, row.created_at, row.size_bytes)

    added = False
    try:
        added = state.store.add_within(row, within_limits)
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
        raise Problem(
            503,
            "queue-unavailable",
            "the job queue is unreachable; retry later",
            headers={"Retry-After": "30"},
        ) from None


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
    from pipeline.media.probe import probe
    from pipeline.types import DecodeError

    try:
        info = probe(path)
    except DecodeError as exc:
        detail = public_message(str(exc), path, filename)
        raise Problem(422, "unsupported-video", detail) from None
    if info.width <= 0 or info.height <= 0:
        raise Problem(422, "unsupported-video", f"{filename!r} has no picture")
    if info.duration_ms > max_duration_s * 1000:
        raise Problem(
            422,
            "video-too-long",
            f"{filename!r} lasts {info.duration_ms / 1000:.0f} s;"
            f" the limit is {max_duration_s:.0f} s",
        )
    return {
        "duration_ms": info.duration_ms,
        "width": info.width,
        "height": info.height,
        "codec": info.codec,
        "fps": round(info.fps, 3),
    }


def check_transcript(
    upload: Upload, options: dict[str, Any], media: dict[str, Any]
) -> dict[str, Any] | None:
    """Parses the uploaded transcript and checks it against the recording and the options.

    Returns:
        What the analysis records about it (file name, format, cue count), None without one.

    Raises:
        Problem: 422 when it cannot be parsed, is empty, runs past the recording, or lacks
            the named interviewer.
    """
    from pipeline.config import PipelineConfig
    from pipeline.transcript.parse import check_within, parse_transcript
    from pipeline.transcript.utterances import TranscriptError
    from pipeline.transcript.verbal import choose_interviewer

    if upload.transcript is None:
        if options.get("interviewer_speaker"):
            raise Problem(422, "invalid-option", "interviewer_speaker needs a transcript")
        return None
    name = upload.transcript_name[:255]
    try:
        transcript = parse_transcript(upload.transcript, name)
        slack_ms = PipelineConfig().transcript_end_slack_ms
        if media.get("duration_ms"):  # a recording without a duration header is checked later
            check_within(transcript, int(media["duration_ms"]), slack_ms)
        choose_interviewer(transcript, options.get("interviewer_speaker"))
    except TranscriptError as exc:
        raise Problem(422, "invalid-transcript", str(exc)) from None
    return {"filename": name, "format": transcript.format, "cues": len(transcript.utterances)}


def _suffix(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return suffix if _SUFFIX.fullmatch(suffix) else ""


def _new_row(
    analysis_id: str,
    *,
    client: str,
    key: str | None,
    upload: Upload,
    options: dict[str, Any],
    media: dict[str, Any],
    state: AppState,
) -> Analysis:
    now = utcnow()
    return Analysis(
        id=analysis_id,
        client=client,
        status=Status.QUEUED.value,
        stage="queued",
        progress=0.0,
        warnings=[],
        filename=upload.filename[:255],
        size_bytes=upload.size_bytes,
        media=media,
        options=options,
        idempotency_key=key,
        request_hash=upload.sha256,
        attempts=0,
        created_at=now,
        enqueued_at=now,
        expires_at=now + timedelta(days=state.settings.retention_days),
    )

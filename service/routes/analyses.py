"""`/v1/analyses`: upload a recording, list, read, cancel and delete analyses."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool

from service import intake
from service.db import Status
from service.deps import ClientDep, QueueDep, StateDep, StorageDep, StoreDep
from service.problems import Problem
from service.quotas import LIMIT_SLUGS
from service.routes.common import find, problems
from service.schemas import AnalysisOut, AnalysisPage

router = APIRouter(prefix="/v1/analyses", tags=["analyses"])

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["video"],
                    "additionalProperties": False,
                    "properties": {
                        "video": {
                            "type": "string",
                            "format": "binary",
                            "description": "the recording (any container FFmpeg reads)",
                        },
                        "fps": {
                            "type": "number",
                            "exclusiveMinimum": 0,
                            "maximum": 30,
                            "description": "analysed frames per second (default 5)",
                        },
                        "participant": {
                            "type": "string",
                            "default": "auto",
                            "description": "auto, a tile index, or a box x,y,w,h in 0-1",
                        },
                        "webhook_url": {
                            "type": "string",
                            "format": "uri",
                            "description": "POSTed a signed event when the job ends",
                        },
                        "annotate": {
                            "type": "boolean",
                            "default": False,
                            "description": "also render annotated.mp4",
                        },
                        "keep_video": {
                            "type": "boolean",
                            "default": False,
                            "description": "keep the upload after analysis",
                        },
                        "transcript": {
                            "type": "string",
                            "format": "binary",
                            "description": "the call's transcript: WebVTT as Zoom or Teams "
                            "export it, SRT with 'Name:' prefixes, or JSON utterances "
                            '[{"start_ms", "end_ms", "speaker", "text"}] (English)',
                        },
                        "interviewer_speaker": {
                            "type": "string",
                            "maxLength": 200,
                            "description": "the interviewer's name in the transcript "
                            "(default: the speaker asking the most questions)",
                        },
                    },
                },
                "example": {
                    "video": "(binary)",
                    "fps": 5,
                    "participant": "auto",
                    "webhook_url": "https://example.com/hooks/cuewatch",
                },
            }
        },
    }
}


def _plain_integer(value: object) -> object:
    # Pydantic would also read "1.0", " 5" or "1_0" as integers; the schema says digits.
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("expected an integer written in digits")
    return value


Limit = Annotated[int, Query(ge=1, le=100), BeforeValidator(_plain_integer)]
IdempotencyKey = Annotated[
    str | None,
    Header(description="repeat a request safely: the same key and body give the same analysis"),
]


@router.post(
    "",
    status_code=202,
    response_model=AnalysisOut,
    openapi_extra=UPLOAD_BODY,
    responses=problems(400, 401, 409, 413, 415, 422, 429, 503, 507),
    summary="Upload a recording and queue its analysis",
)
async def create_analysis(
    *,
    request: Request,
    response: Response,
    state: StateDep,
    queue: QueueDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> AnalysisOut:
    try:
        row, replayed = await intake.submit(request, state, queue, client, idempotency_key)
    except Problem as exc:
        if exc.slug in LIMIT_SLUGS:
            state.metrics.refused(LIMIT_SLUGS[exc.slug])
        raise
    state.metrics.uploaded(row.size_bytes, replayed)
    response.headers["Location"] = f"/v1/analyses/{row.id}"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return AnalysisOut.of(row)


@router.get(
    "",
    response_model=AnalysisPage,
    responses=problems(400, 401, 422),
    summary="List your analyses, newest first",
)
async def list_analyses(
    store: StoreDep,
    client: ClientDep,
    limit: Limit = 20,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
    status: Status | None = None,
) -> AnalysisPage:
    rows = await run_in_threadpool(
        store.page, client, before_seq=_decode(cursor), limit=limit + 1, status=status
    )
    more = len(rows) > limit
    return AnalysisPage(
        items=[AnalysisOut.of(r) for r in rows[:limit]],
        next_cursor=_encode(rows[limit - 1].seq) if more else None,
    )


@router.get(
    "/{analysis_id}",
    response_model=AnalysisOut,
    responses=problems(401, 404, 422),
    summary="Status, stage and progress of an analysis",
)
async def get_analysis(analysis_id: str, store: StoreDep, client: ClientDep) -> AnalysisOut:
    return AnalysisOut.of(await find(store, client, analysis_id))


@router.post(
    "/{analysis_id}/cancel",
    response_model=AnalysisOut,
    responses=problems(401, 404, 409, 422),
    summary="Stop a queued or running analysis",
)
async def cancel_analysis(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> AnalysisOut:
    row = await find(store, client, analysis_id)
    if await run_in_threadpool(store.cancel, row.id):
        if not row.options.get("keep_video"):
            storage.delete_video(row.video_name)
            await run_in_threadpool(store.forget_video, row.id)
    elif row.status != Status.CANCELED:
        raise Problem(409, "already-finished", f"analysis {row.id!r} has already {row.status}")
    return AnalysisOut.of(await find(store, client, row.id))


@router.delete(
    "/{analysis_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 404, 422),
    summary="Delete the video, every derived file and the record",
)
async def delete_analysis(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> Response:
    row = await find(store, client, analysis_id)
    await run_in_threadpool(store.cancel, row.id)  # a running worker stops at its next beat
    storage.delete_all(row.id, row.video_name)
    await run_in_threadpool(store.remove, row.id)
    return Response(status_code=204)


def _encode(seq: int) -> str:
    return base64.urlsafe_b64encode(str(seq).encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.isdigit():
        raise Problem(400, "invalid-cursor", f"cursor {cursor!r} is not one this API returned")
    return int(text)

"""`/v1/analyses/{id}/video`: the uploaded recording, when it was kept, for playback.

The video answers Range requests (a player seeks by asking for byte ranges). It opens with
the API key, or with the short-lived `token` of `…/video-link`, since a `<video src>` cannot
send an `Authorization` header.
"""

from __future__ import annotations

import mimetypes
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from service.db import Analysis
from service.deps import ClientDep, SettingsDep, StorageDep, StoreDep, bearer, current_client
from service.problems import Problem
from service.routes.common import find, problems
from service.schemas import VideoLinkOut
from service.storage import Storage
from service.video_links import TOKEN_PATTERN, make_token, token_valid

router = APIRouter(prefix="/v1/analyses/{analysis_id}", tags=["analyses"])

Token = Annotated[
    str | None,
    Query(
        pattern=TOKEN_PATTERN,
        description="from `…/video-link`; opens the video without an Authorization header",
    ),
]


def video_client(
    analysis_id: str,
    settings: SettingsDep,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Token = None,
) -> str:
    """The client a video request acts as: the token's analysis owner, else the key's client.

    Raises:
        Problem: 401 for a token that is not valid (any more), or without a usable key.
    """
    if token is None:
        return current_client(settings, credentials)
    owner = store.client_of(analysis_id)
    if owner is None or not token_valid(settings, analysis_id, owner, token, time.time()):
        raise Problem(
            401,
            "invalid-video-link",
            "the video link is not valid or has expired; ask …/video-link for a new one",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return owner


VideoClientDep = Annotated[str, Depends(video_client)]


def _kept_video(storage: Storage, row: Analysis) -> Path:
    kept = row.video_name is not None and bool(row.options.get("keep_video"))
    path = storage.video(row.video_name) if row.video_name and kept else None
    if path is None or not path.is_file():
        raise Problem(
            404,
            "not-found",
            f"analysis {row.id!r} did not keep its video (upload with keep_video=true)",
        )
    return path


@router.get(
    "/video-link",
    response_model=VideoLinkOut,
    responses=problems(401, 404, 422),
    summary="A short-lived link to the kept video (for a player that cannot send the key)",
)
async def get_video_link(
    analysis_id: str, store: StoreDep, storage: StorageDep, settings: SettingsDep, client: ClientDep
) -> VideoLinkOut:
    row = await find(store, client, analysis_id)
    _kept_video(storage, row)
    token, expires_s = await run_in_threadpool(make_token, settings, row.id, client, time.time())
    return VideoLinkOut(
        url=f"/v1/analyses/{row.id}/video?token={token}",
        expires_at=datetime.fromtimestamp(expires_s, UTC),
    )


VIDEO_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the recording as uploaded (206 with a Range header)",
        "content": {"video/*": {"schema": {"type": "string", "format": "binary"}}},
    },
    **problems(401, 404, 422),
}


@router.get(
    "/video",
    response_class=FileResponse,
    responses=VIDEO_RESPONSES,
    summary="The uploaded recording, if it was kept (Range requests for seeking)",
)
async def get_video(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: VideoClientDep
) -> FileResponse:
    row = await find(store, client, analysis_id)
    path = _kept_video(storage, row)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(
        path,
        media_type=media_type,
        filename=row.filename,
        content_disposition_type="inline",
        headers={"Cache-Control": "private, no-store"},
    )

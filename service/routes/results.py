"""`/v1/analyses/{id}/...`: the result of a finished analysis and its parts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from service.db import Status
from service.deps import ClientDep, StorageDep, StoreDep
from service.problems import Problem
from service.routes.common import find, problems
from service.schemas import EventsOut, TurnsOut, WindowsOut

router = APIRouter(prefix="/v1/analyses/{analysis_id}", tags=["results"])
_ERRORS = problems(401, 404, 409, 422)


def _content(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    schema = {"type": "object"} if media_type == "application/json" else {"type": "string"}
    return {
        200: {"description": description, "content": {media_type: {"schema": schema}}},
        **_ERRORS,
    }


async def _file(
    store: StoreDep, storage: StorageDep, client: str, analysis_id: str, name: str
) -> Path:
    row = await find(store, client, analysis_id)
    if row.status != Status.SUCCEEDED:
        raise Problem(
            409,
            "not-ready",
            f"analysis {row.id!r} is {row.status}; its result exists once it has succeeded",
            extra={"analysis_status": row.status},
        )
    path = storage.result_file(row.id, row.result_token, name)
    if path is None:
        raise Problem(404, "not-found", f"analysis {row.id!r} has no {name}")
    return path


async def _result(store: StoreDep, storage: StorageDep, client: str, analysis_id: str) -> Any:
    path = await _file(store, storage, client, analysis_id, "result.json")
    return await run_in_threadpool(lambda: json.loads(path.read_text()))


@router.get(
    "/windows",
    response_model=WindowsOut,
    responses=_ERRORS,
    summary="Time windows with disengagement scores",
)
async def get_windows(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> WindowsOut:
    result = await _result(store, storage, client, analysis_id)
    return WindowsOut(analysis_id=analysis_id, windows=result.get("windows", []))


@router.get(
    "/events", response_model=EventsOut, responses=_ERRORS, summary="Events with start and end"
)
async def get_events(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> EventsOut:
    result = await _result(store, storage, client, analysis_id)
    return EventsOut(analysis_id=analysis_id, events=result.get("events", []))


@router.get(
    "/turns",
    response_model=TurnsOut,
    responses=_ERRORS,
    summary="Who speaks when: the conversation's turns",
)
async def get_turns(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> TurnsOut:
    speech = (await _result(store, storage, client, analysis_id)).get("speech") or {}
    return TurnsOut(
        analysis_id=analysis_id,
        audio=speech.get("audio", "no_audio"),
        turns=speech.get("turns", []),
        talk_share=speech.get("talk_share", {}),
    )


class _Served(NamedTuple):
    """A file of a result, served as it is."""

    name: str  # the file's name, also its route
    media_type: str
    summary: str
    description: str
    handler: str  # the name FastAPI derives the operation id from


_FILES = (
    _Served(
        "result.json",
        "application/json",
        "The full result.json",
        "result.json: media, participants, summary, windows, events, advice, speech",
        "get_result",
    ),
    _Served(
        "frames.csv",
        "text/csv; charset=utf-8",
        "Per-frame measurements",
        "one row per analysed frame and participant",
        "get_frames",
    ),
    _Served(
        "report.html",
        "text/html; charset=utf-8",
        "The HTML report",
        "a self-contained report page",
        "get_report",
    ),
    _Served(
        "annotated.mp4",
        "video/mp4",
        "The annotated video",
        "the recording with states drawn on it",
        "get_annotated",
    ),
)


def _serve(served: _Served) -> Any:
    async def endpoint(
        analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
    ) -> FileResponse:
        path = await _file(store, storage, client, analysis_id, served.name)
        return FileResponse(path, media_type=served.media_type)

    return endpoint


for _served in _FILES:
    router.add_api_route(
        # result.json is served at /result (its first route), the others at their name.
        "/result" if _served.name == "result.json" else f"/{_served.name}",
        _serve(_served),
        methods=["GET"],
        response_class=FileResponse,
        summary=_served.summary,
        responses=_content(_served.media_type.split(";")[0], _served.description),
        name=_served.handler,
    )

"""`/v1/analyses/{id}/...`: the result of a finished analysis and its parts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from service.db import Status
from service.deps import ClientDep, StorageDep, StoreDep
from service.problems import Problem
from service.routes.common import find, problems
from service.schemas import EventsOut, WindowsOut

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
    "/result",
    response_class=FileResponse,
    summary="The full result.json",
    responses=_content(
        "application/json", "result.json: media, participants, summary, windows, events, advice"
    ),
)
async def get_result(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> FileResponse:
    path = await _file(store, storage, client, analysis_id, "result.json")
    return FileResponse(path, media_type="application/json")


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
    "/frames.csv",
    response_class=FileResponse,
    summary="Per-frame measurements",
    responses=_content("text/csv", "one row per analysed frame and participant"),
)
async def get_frames(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> FileResponse:
    path = await _file(store, storage, client, analysis_id, "frames.csv")
    return FileResponse(path, media_type="text/csv; charset=utf-8")


@router.get(
    "/report.html",
    response_class=FileResponse,
    summary="The HTML report",
    responses=_content("text/html", "a self-contained report page"),
)
async def get_report(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> FileResponse:
    path = await _file(store, storage, client, analysis_id, "report.html")
    return FileResponse(path, media_type="text/html; charset=utf-8")


@router.get(
    "/annotated.mp4",
    response_class=FileResponse,
    summary="The annotated video",
    responses=_content("video/mp4", "the recording with states drawn on it"),
)
async def get_annotated(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> FileResponse:
    path = await _file(store, storage, client, analysis_id, "annotated.mp4")
    return FileResponse(path, media_type="video/mp4")

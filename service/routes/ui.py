"""The web page: `/`, its static files, and the two things only the page asks for.

`/ui/config` tells the page whether to ask for an API key and how large an upload may be;
`/ui/analyses/{id}/report` is the finished report as an HTML fragment (the report's own
chart, events and advice). Nothing here is part of the `/v1` API or its OpenAPI document.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from service.db import Status
from service.deps import ClientDep, SettingsDep, StorageDep, StoreDep
from service.problems import Problem
from service.report_fragment import report_fragment
from service.routes.common import find

router = APIRouter(include_in_schema=False)
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
_STATIC_NAME = re.compile(r"[a-z][a-z0-9_-]{0,40}\.(js|css)")
_MEDIA_TYPES = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}
# Everything the page loads comes from this origin; the fragment's share bars and legend
# colour themselves with style attributes, hence style-src-attr.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@router.api_route("/", methods=["GET", "HEAD"])
async def index() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
async def static_file(name: str) -> FileResponse:
    path = STATIC_DIR / name
    if not (_STATIC_NAME.fullmatch(name) and path.is_file()):
        raise Problem(404, "not-found", f"no static file {name[:64]!r}")
    return FileResponse(
        path,
        media_type=_MEDIA_TYPES[path.suffix[1:]],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/ui/config")
async def config(settings: SettingsDep) -> dict[str, object]:
    return {
        "auth": "none" if settings.open_mode else "api_key",
        "max_upload_bytes": settings.max_upload_bytes,
        "max_duration_s": settings.max_duration_s,
    }


@router.get("/ui/analyses/{analysis_id}/report")
async def report(
    analysis_id: str, store: StoreDep, storage: StorageDep, client: ClientDep
) -> HTMLResponse:
    row = await find(store, client, analysis_id)
    if row.status != Status.SUCCEEDED:
        raise Problem(409, "not-ready", f"analysis {row.id!r} is {row.status}; no report yet")
    path = storage.result_file(row.id, row.result_token, "result.json")
    if path is None:
        raise Problem(404, "not-found", f"analysis {row.id!r} has no result.json")
    result = await run_in_threadpool(lambda: json.loads(path.read_text(encoding="utf-8")))
    html = await run_in_threadpool(report_fragment, result)
    return HTMLResponse(html, headers={"Cache-Control": "private, no-store"})

"""`/livez`, `/readyz` and `/metrics`: unauthenticated, for orchestrators and Prometheus."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from service.deps import QueueDep, StateDep, StoreDep
from service.problems import PROBLEM_JSON
from service.routes.common import problems
from service.schemas import Health

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/livez", response_model=Health, summary="The process is up")
def livez() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses=problems(503),
    summary="The database and the queue answer",
)
async def readyz(store: StoreDep, queue: QueueDep) -> Response:
    checks = {
        "database": await _check(store.ping),
        "queue": await _check(queue.pending),
    }
    if all(v == "ok" for v in checks.values()):
        return JSONResponse(Health(status="ok", checks=checks).model_dump())
    failing = ", ".join(k for k, v in checks.items() if v != "ok")
    body = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": f"not ready: {failing} unreachable",
        "instance": "/readyz",
        "checks": checks,
    }
    return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)


async def _check(probe: Callable[[], object]) -> str:
    try:
        await run_in_threadpool(probe)
    except Exception as exc:
        log.warning("readiness: %s", type(exc).__name__)
        return f"error: {type(exc).__name__}"
    return "ok"


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
            "description": "text exposition format",
        }
    },
)
async def get_metrics(state: StateDep) -> Response:
    body = await run_in_threadpool(state.metrics.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)

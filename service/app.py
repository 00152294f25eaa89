"""The FastAPI app: routers, problem+json errors, metrics, and the lifespan that builds state.

Importing this module builds nothing heavy and reads no settings; the lifespan does, with
`get_settings` as overridden by tests. This process never imports mediapipe.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from service import problems, schema
from service.db import make_engine
from service.deps import AppState
from service.metrics import Metrics, MetricsMiddleware
from service.queue import HueyQueue
from service.routes import account, analyses, health, results, ui, video
from service.routes.common import add_problem_schema
from service.settings import Settings, get_settings
from service.storage import Storage
from service.store import Store

log = logging.getLogger(__name__)

DESCRIPTION = """
Upload a recorded video call; a worker measures the interviewer's attention (eye contact,
looking down to take notes, looking away, absence) and the result comes back as JSON, CSV
and an HTML report.

1. `POST /v1/analyses` with the file in the multipart field `video` → `202` and a `Location`.
2. Poll `GET /v1/analyses/{id}` until `status` is `succeeded` (or pass `webhook_url`).
3. Read `…/result`, `…/windows`, `…/events`, `…/frames.csv` or `…/report.html`.
4. `DELETE /v1/analyses/{id}` removes the video, every derived file and the record.

With `keep_video`, `…/video` serves the recording (Range requests, for seeking) and
`…/video-link` a short-lived link to it for a `<video src>`. The web page is at `/`.

Authenticate with `Authorization: Bearer <key>`. Errors are RFC 9457 `application/problem+json`.
"""


def build_state(settings: Settings) -> AppState:
    """Opens the database (upgrading or checking its schema), the storage and the queue.

    Raises:
        SchemaError: the database is at a schema revision this code cannot use.
    """
    storage = Storage(settings.data_dir)  # first: it creates the data dir
    if swept := storage.sweep_dead_uploads():
        log.info("deleted %d partial uploads of API processes that died", swept)
    engine = make_engine(settings.db_url)
    schema.prepare(engine)
    store = Store(engine)
    queue = HueyQueue(settings)
    return AppState(
        settings=settings,
        store=store,
        storage=storage,
        queue=queue,
        metrics=Metrics(store.counts, queue.pending),
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.dependency_overrides.get(get_settings, get_settings)()
    state = build_state(settings)
    app.state.cuewatch = state
    try:
        yield
    finally:
        state.store.engine.dispose()


def create_app() -> FastAPI:
    """A new app; its state is built when it starts (lifespan), not here."""
    app = FastAPI(
        title="cuewatch",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        openapi_tags=[
            {"name": "analyses"},
            {"name": "results"},
            {"name": "account"},
            {"name": "health"},
        ],
    )
    problems.install(app)
    for module in (analyses, video, results, account, health, ui):
        app.include_router(module.router)
    app.add_middleware(MetricsMiddleware, metrics=lambda: _metrics(app))
    app.openapi = _with_problem_schema(app.openapi)  # type: ignore[method-assign]
    return app


def _with_problem_schema(build: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    # FastAPI lists only the models its routes name; problem responses are declared by hand.
    def openapi() -> dict[str, Any]:
        return add_problem_schema(build())

    return openapi


def operation_id(route: APIRoute) -> str:
    """The route's `operationId`: its handler's name (`create_analysis`, `get_result`, ...).

    FastAPI would append the path and method (`create_analysis_v1_analyses_post`), which is
    what generated SDKs then call their functions; names are unique across the app, and
    `tests/test_service_openapi.py` pins them so that renaming a handler is a visible change.
    """
    return route.name


def _metrics(app: FastAPI) -> Metrics | None:
    state: AppState | None = getattr(app.state, "cuewatch", None)
    return state.metrics if state else None


app = create_app()

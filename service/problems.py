"""RFC 9457 problem details: every error the API answers is `application/problem+json`."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:cuewatch:problem:"
# A database restart takes seconds; clients polling status come back about then.
DATABASE_RETRY_AFTER_S = 5
_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


class Problem(Exception):
    """An error answer; raise it anywhere in a request and the handler renders it.

    Args:
        status: HTTP status code.
        slug: short kebab-case kind, e.g. `upload-too-large` (becomes the `type` URI).
        detail: one sentence naming the value and what was expected.
        headers: extra response headers (e.g. WWW-Authenticate).
        extra: extension members added to the body.
    """

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail
        self.headers = headers or {}
        self.extra = extra or {}


def problem_response(
    request: Request, status: int, detail: str, slug: str | None = None, **extra: Any
) -> JSONResponse:
    """Renders one problem; `about:blank` when the status code says it all.

    Args:
        request: the request, whose path becomes `instance`.
        status: HTTP status code.
        detail: what went wrong with this request.
        slug: problem kind, if more specific than the status code.
        extra: extension members.
    """
    body = {
        "type": TYPE_PREFIX + slug if slug else "about:blank",
        "title": _title(status),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **jsonable_encoder(extra),
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    response = problem_response(request, exc.status, exc.detail, exc.slug, **exc.extra)
    response.headers.update(exc.headers)
    return response


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = problem_response(request, exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(_allowed(request))
    return response


def _allowed(request: Request) -> list[str]:
    # Starlette's Allow names only the first route on the path, and a path has a route per
    # method; the OpenAPI paths list them all.
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations if m.upper() in _METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    return problem_response(
        request, 422, detail or "invalid request", "invalid-request", errors=errors
    )


async def _on_database_down(request: Request, exc: Exception) -> JSONResponse:
    # Connection refused or dropped, the server restarting, SQLite busy past its timeout: all
    # pass, and the pool reconnects (pre-ping) once the database answers again.
    log.warning(
        "database unavailable on %s %s (%s)", request.method, request.url.path, type(exc).__name__
    )
    response = problem_response(
        request, 503, "the database is unavailable; retry shortly", "database-unavailable"
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(request, 500, "The server failed to handle this request.")


def install(app: FastAPI) -> None:
    """Registers the problem+json handlers on the app."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(OperationalError, _on_database_down)
    app.add_exception_handler(InterfaceError, _on_database_down)
    app.add_exception_handler(Exception, _on_crash)

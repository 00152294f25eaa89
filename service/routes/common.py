"""Helpers the routers share: owned-analysis lookup and documented problem responses."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.concurrency import run_in_threadpool

from service.db import Analysis
from service.problems import PROBLEM_JSON, TYPE_PREFIX, Problem
from service.schemas import ProblemOut
from service.store import Store

# Every problem response refers to one shared schema, so that generated SDKs get one model
# (an inline copy per operation makes e.g. openapi-python-client drop those responses).
PROBLEM_SCHEMA_NAME = "ProblemOut"
_PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}


async def find(store: Store, client: str, analysis_id: str) -> Analysis:
    """The client's analysis.

    Raises:
        Problem: 404 when it does not exist, has expired, or is another client's.
    """
    row = await run_in_threadpool(store.get, client, analysis_id)
    if row is None:
        raise Problem(404, "not-found", f"no analysis {analysis_id[:64]!r}")
    return row


def add_problem_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """Adds the problem schema that `problems()` entries refer to to an OpenAPI document."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas[PROBLEM_SCHEMA_NAME] = ProblemOut.model_json_schema()
    return spec


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for problem+json answers with these status codes."""
    return {code: _problem(code) for code in codes}


def _problem(code: int) -> dict[str, Any]:
    phrase = HTTPStatus(code).phrase
    example = {
        "type": TYPE_PREFIX + phrase.lower().replace(" ", "-"),
        "title": phrase,
        "status": code,
        "detail": "what went wrong, naming the value",
        "instance": "/v1/analyses",
    }
    return {
        "description": phrase,
        "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF, "example": example}},
    }

"""Requests generated from the app's own OpenAPI: never a 5xx, every answer as documented."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from service.app import create_app
from service.deps import get_queue
from service.settings import Settings, get_settings
from tests.test_service_support import ALICE, FakeRunner, make_settings


@cache
def _settings() -> Settings:
    # Schemathesis starts the app (and so asks for settings) while collecting this module.
    root = Path(tempfile.mkdtemp(prefix="cuewatch-schemathesis-"))
    atexit.register(shutil.rmtree, root, True)
    return make_settings(root)


app = create_app()
app.dependency_overrides[get_settings] = _settings
app.dependency_overrides[get_queue] = lambda: FakeRunner(app)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi(case: schemathesis.Case) -> None:
    # Schema-valid bytes are rarely a video, and a refused non-video is a documented 422.
    # Every call carries Alice's key, which repairs the "Authorization header missing"
    # negative cases; missing and wrong keys are tested for 401 in test_service_api.
    excluded = [positive_data_acceptance, negative_data_rejection]
    case.call_and_validate(headers=ALICE, excluded_checks=excluded)

"""Request dependencies as `Annotated` aliases: settings, store, storage, queue, client."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.metrics import Metrics
from service.problems import Problem
from service.queue import JobQueue
from service.settings import Settings
from service.storage import Storage
from service.store import Store

# In open mode (no API keys) every request acts as this one client.
LOCAL_CLIENT = "local"


@dataclass
class AppState:
    """What the lifespan builds once per process and every request shares."""

    settings: Settings
    store: Store
    storage: Storage
    queue: JobQueue
    metrics: Metrics


# The dependencies below are `async def` although they do not wait for anything: FastAPI runs
# a plain `def` dependency in the threadpool, and on a machine busy with analyses each hop
# waits for a thread to be scheduled. Four hops per status request were most of its tail:
# p99 196-403 ms with them, 55-102 ms without (benchmarks/load.py, README "Load").


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.cuewatch
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_app_settings(state: StateDep) -> Settings:
    """The settings the app was started with (`get_settings`, as tests override it)."""
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_store(state: StateDep) -> Store:
    return state.store


async def get_storage(state: StateDep) -> Storage:
    return state.storage


async def get_queue(state: StateDep) -> JobQueue:
    """The job runner; API tests override this dependency."""
    return state.queue


StoreDep = Annotated[Store, Depends(get_store)]
StorageDep = Annotated[Storage, Depends(get_storage)]
QueueDep = Annotated[JobQueue, Depends(get_queue)]
bearer = HTTPBearer(auto_error=False, description="an API key from CUEWATCH_API_KEYS")


def current_client(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The client id the request's bearer key belongs to.

    Raises:
        Problem: 401 when the key is missing or unknown (and keys are configured).
    """
    if settings.open_mode:
        return LOCAL_CLIENT
    given = credentials.credentials.encode() if credentials else b""
    client = None
    for key, name in settings.api_keys.items():
        # Compare against every key in constant time: no timing hint about near misses.
        if hmac.compare_digest(key.encode(), given):
            client = name
    if client is None:
        reason = "missing" if credentials is None else "not recognised"
        raise Problem(
            401,
            "unauthorized",
            f"the API key is {reason}; send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return client


async def authenticated_client(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """`current_client` as a dependency (without a threadpool hop)."""
    return current_client(settings, credentials)


ClientDep = Annotated[str, Depends(authenticated_client)]

"""`/v1/webhook-secret`: the calling client's webhook signing secret."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from service.deps import ClientDep, SettingsDep
from service.routes.common import problems
from service.schemas import WebhookSecretOut
from service.webhooks import client_secret

router = APIRouter(prefix="/v1", tags=["account"])


@router.get(
    "/webhook-secret",
    response_model=WebhookSecretOut,
    responses=problems(401),
    summary="The secret that signs your webhooks (verify webhook-signature with it)",
)
async def get_webhook_secret(settings: SettingsDep, client: ClientDep) -> WebhookSecretOut:
    return WebhookSecretOut(secret=await run_in_threadpool(client_secret, settings, client))

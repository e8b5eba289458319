import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response, status

from billing.base import idempotency
from billing.dependencies import UpstreamDep
from billing.events.webhooks.repository import WebhookRepository
from billing.events.webhooks.schemas import (
    AttemptPage,
    SecretRotate,
    WebhookEndpointCreate,
    WebhookEndpointPage,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from billing.events.webhooks.secrets import SecretBox
from billing.events.webhooks.service import WebhookService, read
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.etag import etag
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import PageParamsDep

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["webhook endpoints"])

# Operator-wide roles manage every endpoint; client and partner callers scoped to a client
# manage (and see) only their client's.
MANAGERS = (Role.operator, Role.finance, Role.partner, Role.client)

_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such webhook endpoint (or not yours)"}
}
Manager = Annotated[Principal, Depends(require(*MANAGERS))]


async def get_service(
    session: SessionDep, upstream: UpstreamDep, request: Request
) -> WebhookService:
    box: SecretBox = request.app.state.webhook_secrets
    return WebhookService(
        WebhookRepository(session),
        box,
        upstream.contracts,
        allowed_networks=request.app.state.settings.webhook_allowed_networks(),
    )


ServiceDep = Annotated[WebhookService, Depends(get_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook endpoint; the answer shows its signing secret, once",
    description=(
        "The endpoint receives the events committed after its creation (not the backlog), "
        "in commit order, each POSTed as JSON and signed "
        "`Contrato-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`."
    ),
    responses={409: {"description": "Idempotency-Key in use"}},
)
async def create_webhook_endpoint(
    data: WebhookEndpointCreate,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    principal: Manager,
    idempotency_key: IdempotencyKeyHeader = None,
) -> WebhookEndpointWithSecret:
    # Not ``idempotency.run``: the stored answer must not hold the secret in clear, so it is
    # stored without it and a replay fills it in from the encrypted copy.
    scope, body = f"{principal.subject}:create_webhook_endpoint", data.model_dump(mode="json")
    if stored := await idempotency.begin(session, scope, idempotency_key, body):
        response.status_code = stored.status_code
        created = await service.replay_created(principal, stored.body)
    else:
        created = await service.create(principal, data)
        answer = created.model_dump(mode="json", exclude={"secret"})
        await idempotency.store(session, scope, idempotency_key, body, 201, answer)
    response.headers["ETag"] = etag(created.revision)
    response.headers["Location"] = f"/v1/webhook-endpoints/{created.id}"
    return created


@router.get("", summary="List webhook endpoints with their delivery status")
async def list_webhook_endpoints(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Manager,
    client_id: uuid.UUID | None = None,
) -> WebhookEndpointPage:
    items, cursor = await service.page(principal, page, client_id)
    return WebhookEndpointPage(items=[read(e) for e in items], next_cursor=cursor, limit=page.limit)


@router.get(
    "/{endpoint_id}", summary="Get a webhook endpoint and its delivery status", responses=_404
)
async def get_webhook_endpoint(
    endpoint_id: uuid.UUID, response: Response, service: ServiceDep, principal: Manager
) -> WebhookEndpointRead:
    endpoint = await service.get(principal, endpoint_id)
    response.headers["ETag"] = etag(endpoint.revision)
    return read(endpoint)


@router.patch(
    "/{endpoint_id}",
    summary="Change the URL, event types or description, or disable/enable (send If-Match)",
    responses={**_404, 412: {"description": "Stale ETag"}, 428: {"description": "No If-Match"}},
)
async def update_webhook_endpoint(
    endpoint_id: uuid.UUID,
    data: WebhookEndpointUpdate,
    response: Response,
    service: ServiceDep,
    principal: Manager,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> WebhookEndpointRead:
    endpoint = await service.update(principal, endpoint_id, data, if_match)
    response.headers["ETag"] = etag(endpoint.revision)
    return read(endpoint)


@router.delete(
    "/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a webhook endpoint (deliveries stop; its attempts are deleted too)",
    responses=_404,
)
async def delete_webhook_endpoint(
    endpoint_id: uuid.UUID, service: ServiceDep, principal: Manager
) -> Response:
    await service.delete(principal, endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{endpoint_id}/rotate-secret",
    summary="Replace the signing secret; the answer shows the new one, once",
    responses=_404,
)
async def rotate_webhook_secret(
    endpoint_id: uuid.UUID,
    response: Response,
    service: ServiceDep,
    principal: Manager,
    data: SecretRotate | None = None,
) -> WebhookEndpointWithSecret:
    rotated = await service.rotate_secret(principal, endpoint_id, data or SecretRotate())
    response.headers["ETag"] = etag(rotated.revision)
    return rotated


@router.get(
    "/{endpoint_id}/attempts",
    summary="Recent delivery attempts, newest first",
    responses=_404,
)
async def list_webhook_attempts(
    endpoint_id: uuid.UUID, service: ServiceDep, page: PageParamsDep, principal: Manager
) -> AttemptPage:
    items, cursor = await service.attempts(principal, endpoint_id, page)
    return AttemptPage(items=items, next_cursor=cursor, limit=page.limit)

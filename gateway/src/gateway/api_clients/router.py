import base64
import binascii
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Header, Request, status

from gateway.api_clients.models import ApiClientStatus
from gateway.api_clients.repository import ApiClientRepository
from gateway.api_clients.schemas import (
    ApiClientCreate,
    ApiClientPage,
    ApiClientRead,
    ApiClientRotate,
    ApiClientWithSecret,
    TokenResponse,
)
from gateway.api_clients.service import ApiClientService
from gateway.errors import InvalidClient, InvalidRequest, UnsupportedGrantType
from gateway.guard import Guard
from gateway.settings import GatewaySettings
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.errors import UpstreamUnavailable
from shared.pagination import PageParamsDep
from shared.types import Text

router = APIRouter(prefix="/v1/api-clients", tags=["api clients"])
token_router = APIRouter(tags=["oauth"])

Admin = Annotated[Principal, Depends(require())]  # admin only


async def get_service(session: SessionDep) -> ApiClientService:
    return ApiClientService(ApiClientRepository(session))


ServiceDep = Annotated[ApiClientService, Depends(get_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API client (the secret is shown once)",
)
async def create_api_client(
    data: ApiClientCreate, service: ServiceDep, principal: Admin
) -> ApiClientWithSecret:
    api_client, secret = await service.create(principal, data)
    return ApiClientWithSecret(
        **ApiClientRead.model_validate(api_client).model_dump(), client_secret=secret
    )


@router.get("", summary="List API clients")
async def list_api_clients(
    service: ServiceDep, page: PageParamsDep, _: Admin, status: ApiClientStatus | None = None
) -> ApiClientPage:
    items, next_cursor = await service.list(page, status)
    return ApiClientPage(
        items=[ApiClientRead.model_validate(c) for c in items],
        next_cursor=next_cursor,
        limit=page.limit,
    )


@router.get("/{api_client_id}", summary="Get an API client")
async def get_api_client(api_client_id: uuid.UUID, service: ServiceDep, _: Admin) -> ApiClientRead:
    return ApiClientRead.model_validate(await service.get(api_client_id))


@router.post(
    "/{api_client_id}/rotate-secret",
    summary="Issue a new secret (the previous one may keep working for a grace period)",
)
async def rotate_api_client_secret(
    api_client_id: uuid.UUID, data: ApiClientRotate, service: ServiceDep, _: Admin
) -> ApiClientWithSecret:
    api_client, secret = await service.rotate(api_client_id, data.grace_seconds)
    return ApiClientWithSecret(
        **ApiClientRead.model_validate(api_client).model_dump(), client_secret=secret
    )


@router.post(
    "/{api_client_id}/revoke",
    summary="Revoke an API client: no new tokens, and its live tokens stop working",
)
async def revoke_api_client(
    api_client_id: uuid.UUID, request: Request, service: ServiceDep, _: Admin
) -> ApiClientRead:
    api_client = await service.revoke(api_client_id)
    request.app.state.revocations.mark_revoked(api_client.id)
    return ApiClientRead.model_validate(api_client)


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("malformed Basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClient("malformed Basic credentials")
    return client_id, secret


@token_router.post(
    "/oauth/token",
    summary="OAuth2 client-credentials grant: trade a client id and secret for a JWT",
    responses={
        400: {"description": "invalid_request or unsupported_grant_type"},
        401: {"description": "invalid_client"},
        429: {"description": "Too many token requests for this client id or from this address"},
    },
    openapi_extra={"security": []},
)
async def issue_token(
    request: Request,
    service: ServiceDep,
    grant_type: Annotated[str, Form()],
    client_id: Annotated[Text | None, Form()] = None,
    client_secret: Annotated[Text | None, Form()] = None,
    scope: Annotated[Text | None, Form()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> TokenResponse:
    if grant_type != "client_credentials":
        raise UnsupportedGrantType("only grant_type=client_credentials is supported")
    credentials = _basic_credentials(authorization)
    if credentials is None:
        if not client_id or not client_secret:
            raise InvalidRequest("send client_id and client_secret (Basic auth or form fields)")
        credentials = (client_id, client_secret)
    guard: Guard = request.app.state.guard
    guard.admit_token_request(request, credentials[0])
    settings: GatewaySettings = request.app.state.settings
    private_key = settings.private_key_pem()
    if private_key is None:
        raise UpstreamUnavailable("gateway", "token issuing is not configured (no private key)")
    api_client = await service.authenticate(*credentials)
    token = service.issue_token(
        api_client,
        private_key_pem=private_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    return TokenResponse(access_token=token, expires_in=api_client.token_ttl_seconds)

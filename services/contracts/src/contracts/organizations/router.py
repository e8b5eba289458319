import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response, status

from contracts.base import idempotency
from contracts.organizations.models import OrganizationKind, OrganizationStatus
from contracts.organizations.repository import OrganizationFilter, OrganizationRepository
from contracts.organizations.schemas import (
    OrganizationCreate,
    OrganizationPage,
    OrganizationRead,
    OrganizationUpdate,
)
from contracts.organizations.service import OrganizationService
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.etag import etag
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import PageParamsDep
from shared.types import CountryCode, Text

router = APIRouter(prefix="/v1/organizations", tags=["organizations"])

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)
WRITERS = (Role.operator,)

_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such organization (or not yours)"}
}


async def get_service(session: SessionDep) -> OrganizationService:
    return OrganizationService(OrganizationRepository(session))


ServiceDep = Annotated[OrganizationService, Depends(get_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an organization (the operator or a client)",
    responses={409: {"description": "Idempotency-Key in use"}},
)
async def create_organization(
    data: OrganizationCreate,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*WRITERS))],
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrganizationRead:

    async def create() -> OrganizationRead:
        return OrganizationRead.model_validate(await service.create(data))

    organization = await idempotency.run(
        session, response, scope=f"{principal.subject}:create_organization",
        key=idempotency_key, body=data.model_dump(mode="json"), answer=OrganizationRead,
        create=create,
    )  # fmt: skip
    response.headers["ETag"] = etag(organization.revision)
    response.headers["Location"] = f"/v1/organizations/{organization.id}"
    return organization


@router.get("", summary="List organizations")
async def list_organizations(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    kind: OrganizationKind | None = None,
    status: OrganizationStatus | None = None,
    country: CountryCode | None = None,
    q: Annotated[
        Text | None, Query(max_length=200, description="Text in the names or tax id")
    ] = None,
) -> OrganizationPage:
    filters = OrganizationFilter(kind=kind, status=status, country=country, q=q)
    items, next_cursor = await service.list(principal, filters, page)
    return OrganizationPage(
        items=[OrganizationRead.model_validate(o) for o in items],
        next_cursor=next_cursor,
        limit=page.limit,
    )


@router.get("/{organization_id}", summary="Get an organization", responses=_404)
async def get_organization(
    organization_id: uuid.UUID,
    response: Response,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
) -> OrganizationRead:
    organization = await service.get(principal, organization_id)
    response.headers["ETag"] = etag(organization.revision)
    return OrganizationRead.model_validate(organization)


@router.patch(
    "/{organization_id}",
    summary="Update an organization (send If-Match)",
    responses={**_404, 412: {"description": "Stale ETag"}, 428: {"description": "No If-Match"}},
)
async def update_organization(
    organization_id: uuid.UUID,
    data: OrganizationUpdate,
    response: Response,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*WRITERS))],
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> OrganizationRead:
    organization = await service.update(principal, organization_id, data, if_match)
    response.headers["ETag"] = etag(organization.revision)
    return OrganizationRead.model_validate(organization)

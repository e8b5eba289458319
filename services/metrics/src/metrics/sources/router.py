import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from metrics.sources.repository import SourceRepository
from metrics.sources.schemas import SourceCreate, SourcePage, SourceRead
from metrics.sources.service import SourceService
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.pagination import PageParamsDep

router = APIRouter(prefix="/v1/sources", tags=["sources"])

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)
WRITERS = (Role.operator, Role.partner)


async def get_service(session: SessionDep) -> SourceService:
    return SourceService(SourceRepository(session))


ServiceDep = Annotated[SourceService, Depends(get_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a contact platform that pushes records",
    responses={409: {"description": "A source with this name exists"}},
)
async def create_source(
    data: SourceCreate,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*WRITERS))],
) -> SourceRead:
    return SourceRead.model_validate(await service.create(principal, data))


@router.get("", summary="List contact platforms")
async def list_sources(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
) -> SourcePage:
    items, next_cursor = await service.list(principal, page)
    return SourcePage(
        items=[SourceRead.model_validate(s) for s in items],
        next_cursor=next_cursor,
        limit=page.limit,
    )


@router.get("/{source_id}", summary="Get a contact platform")
async def get_source(
    source_id: uuid.UUID,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
) -> SourceRead:
    return SourceRead.model_validate(await service.get(principal, source_id))

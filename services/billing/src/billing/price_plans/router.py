import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from billing.base import idempotency
from billing.dependencies import BILLERS, READERS, UpstreamDep
from billing.price_plans.repository import PricePlanRepository
from billing.price_plans.schemas import (
    PricePlanCreate,
    PricePlanPage,
    PricePlanRead,
    VersionCreate,
    VersionRead,
)
from billing.price_plans.service import PricePlanService
from billing.tax_rates.repository import TaxRateRepository
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import PageParamsDep

router = APIRouter(prefix="/v1/price-plans", tags=["price plans"])

_404: dict[int | str, dict[str, Any]] = {404: {"description": "No such price plan (or not yours)"}}


async def get_service(session: SessionDep, upstream: UpstreamDep) -> PricePlanService:
    return PricePlanService(
        PricePlanRepository(session), TaxRateRepository(session), upstream.contracts
    )


ServiceDep = Annotated[PricePlanService, Depends(get_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Attach a price plan to a contract, with its first version",
    responses={409: {"description": "The contract already has a plan, or key in use"}},
)
async def create_price_plan(
    data: PricePlanCreate,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*BILLERS))],
    idempotency_key: IdempotencyKeyHeader = None,
) -> PricePlanRead:
    plan = await idempotency.run(
        session, response, scope=f"{principal.subject}:create_price_plan",
        key=idempotency_key, body=data.model_dump(mode="json"), answer=PricePlanRead,
        create=lambda: service.create(principal, data),
    )  # fmt: skip
    response.headers["Location"] = f"/v1/price-plans/{plan.id}"
    return plan


@router.get("", summary="List price plans")
async def list_price_plans(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    client_id: uuid.UUID | None = None,
    contract_id: uuid.UUID | None = None,
) -> PricePlanPage:
    items, cursor = await service.list(principal, page, client_id, contract_id)
    return PricePlanPage(items=items, next_cursor=cursor, limit=page.limit)


@router.get("/{price_plan_id}", summary="Get a price plan with all its versions", responses=_404)
async def get_price_plan(
    price_plan_id: uuid.UUID,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
) -> PricePlanRead:
    return await service.get(principal, price_plan_id)


@router.post(
    "/{price_plan_id}/versions",
    status_code=status.HTTP_201_CREATED,
    summary="Add a version (a price change); versions are never edited",
    responses={**_404, 409: {"description": "A version already starts on that date"}},
)
async def create_price_plan_version(
    price_plan_id: uuid.UUID,
    data: VersionCreate,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*BILLERS))],
    idempotency_key: IdempotencyKeyHeader = None,
) -> VersionRead:
    return await idempotency.run(
        session, response, scope=f"{principal.subject}:create_price_plan_version",
        key=idempotency_key, body={"plan": str(price_plan_id), **data.model_dump(mode="json")},
        answer=VersionRead, create=lambda: service.add_version(principal, price_plan_id, data),
    )  # fmt: skip

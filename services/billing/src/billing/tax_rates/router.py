import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from billing.base import idempotency
from billing.tax_rates.repository import TaxRateRepository
from billing.tax_rates.schemas import TaxRateCreate, TaxRatePage, TaxRateRead
from billing.tax_rates.service import TaxRateService
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import PageParamsDep
from shared.types import CountryCode, Text

router = APIRouter(prefix="/v1/tax-rates", tags=["tax rates"])

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)
WRITERS = (Role.finance,)


async def get_service(session: SessionDep) -> TaxRateService:
    return TaxRateService(TaxRateRepository(session))


ServiceDep = Annotated[TaxRateService, Depends(get_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a tax rate (a change of rate is a new row with a later valid_from)",
    responses={409: {"description": "This code already has a rate from that date"}},
)
async def create_tax_rate(
    data: TaxRateCreate,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*WRITERS))],
    idempotency_key: IdempotencyKeyHeader = None,
) -> TaxRateRead:

    async def create() -> TaxRateRead:
        return TaxRateRead.model_validate(await service.create(data))

    return await idempotency.run(
        session, response, scope=f"{principal.subject}:create_tax_rate", key=idempotency_key,
        body=data.model_dump(mode="json"), answer=TaxRateRead, create=create,
    )  # fmt: skip


@router.get("", summary="List tax rates")
async def list_tax_rates(
    service: ServiceDep,
    page: PageParamsDep,
    _: Annotated[Principal, Depends(require(*READERS))],
    country: CountryCode | None = None,
    code: Text | None = None,
) -> TaxRatePage:
    items, next_cursor = await service.list(page, country, code)
    return TaxRatePage(
        items=[TaxRateRead.model_validate(t) for t in items],
        next_cursor=next_cursor,
        limit=page.limit,
    )


@router.get("/{tax_rate_id}", summary="Get a tax rate")
async def get_tax_rate(
    tax_rate_id: uuid.UUID,
    service: ServiceDep,
    _: Annotated[Principal, Depends(require(*READERS))],
) -> TaxRateRead:
    return TaxRateRead.model_validate(await service.get(tax_rate_id))

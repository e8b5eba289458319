import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from billing.base import idempotency
from billing.credit_balances.models import RefundStatus
from billing.credit_balances.repository import CreditBalanceRepository
from billing.credit_balances.schemas import (
    CreditBalanceRead,
    CreditEntryPage,
    RefundPage,
    RefundPaid,
    RefundRead,
)
from billing.credit_balances.service import CreditBalanceService
from billing.dependencies import BILLERS, READERS
from billing.invoices.repository import InvoiceRepository
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import PageParamsDep
from shared.types import CurrencyCode

balances_router = APIRouter(prefix="/v1/credit-balances", tags=["credit balances"])
refunds_router = APIRouter(prefix="/v1/refunds", tags=["refunds"])


async def get_service(session: SessionDep) -> CreditBalanceService:
    return CreditBalanceService(CreditBalanceRepository(session), InvoiceRepository(session))


ServiceDep = Annotated[CreditBalanceService, Depends(get_service)]
Reader = Annotated[Principal, Depends(require(*READERS))]
Biller = Annotated[Principal, Depends(require(*BILLERS))]
_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such client or refund (or not yours)"}
}


@balances_router.get(
    "/{client_id}", summary="A client's credit balance, per currency", responses=_404
)
async def get_credit_balance(
    client_id: uuid.UUID, service: ServiceDep, principal: Reader
) -> CreditBalanceRead:
    return await service.balance(principal, client_id)


@balances_router.get(
    "/{client_id}/entries",
    summary="The ledger of a client's credit balance: credit notes' excess in, invoices' use out",
    responses=_404,
)
async def list_credit_entries(
    client_id: uuid.UUID,
    service: ServiceDep,
    page: PageParamsDep,
    principal: Reader,
    currency: Annotated[CurrencyCode | None, Query()] = None,
) -> CreditEntryPage:
    items, cursor = await service.entries(principal, client_id, currency, page)
    return CreditEntryPage(items=items, next_cursor=cursor, limit=page.limit)


@refunds_router.get("", summary="Refunds due to clients, and those paid")
async def list_refunds(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Reader,
    client_id: uuid.UUID | None = None,
    status: RefundStatus | None = None,
) -> RefundPage:
    items, cursor = await service.refunds(principal, page, client_id, status)
    return RefundPage(items=items, next_cursor=cursor, limit=page.limit)


@refunds_router.get("/{refund_id}", summary="Get a refund", responses=_404)
async def get_refund(refund_id: uuid.UUID, service: ServiceDep, principal: Reader) -> RefundRead:
    return await service.refund(principal, refund_id)


@refunds_router.post(
    "/{refund_id}/refunded",
    summary="Record a refund as paid back to the client (Idempotency-Key)",
    responses={**_404, 409: {"description": "Already recorded as paid, differently"}},
)
async def mark_refund_refunded(
    refund_id: uuid.UUID,
    data: RefundPaid,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    principal: Biller,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RefundRead:

    async def create() -> tuple[RefundRead, int]:
        return await service.mark_refunded(principal, refund_id, data), 200

    return await idempotency.run(
        session, response, scope=f"{principal.subject}:refund_refunded:{refund_id}",
        key=idempotency_key, body=data.model_dump(mode="json"), answer=RefundRead,
        create=create,
    )  # fmt: skip

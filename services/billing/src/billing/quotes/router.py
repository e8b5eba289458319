from typing import Annotated

from fastapi import APIRouter, Depends

from billing.dependencies import BILLERS, UpstreamDep
from billing.invoices.repository import InvoiceRepository
from billing.price_plans.repository import PricePlanRepository
from billing.quotes.schemas import QuoteRead, QuoteRequest
from billing.quotes.service import quote
from shared.auth import Principal, Role, require
from shared.db import SessionDep

router = APIRouter(prefix="/v1/quotes", tags=["quotes"])


@router.post(
    "",
    summary="Price a plan (stored or inline) against hypothetical volumes; nothing is stored",
)
async def create_quote(
    data: QuoteRequest,
    session: SessionDep,
    upstream: UpstreamDep,
    principal: Annotated[Principal, Depends(require(*BILLERS, Role.client))],
) -> QuoteRead:
    return await quote(
        PricePlanRepository(session), InvoiceRepository(session), upstream, principal, data
    )

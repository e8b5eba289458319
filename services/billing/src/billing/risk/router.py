import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from billing.dependencies import BILLERS, UpstreamDep
from billing.invoices.repository import InvoiceRepository
from billing.price_plans.repository import PricePlanRepository
from billing.pricing.periods import Period
from billing.risk.schemas import PortfolioRead, SlaRiskRead
from billing.risk.service import billed, portfolio, sla_risk
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.errors import ValidationFailed
from shared.pagination import PageParamsDep, encode_cursor
from shared.periods import CalendarMonth
from shared.types import AwareDateTime

router = APIRouter(prefix="/v1/sla-risk", tags=["sla risk"])


@router.get(
    "/portfolio",
    summary="Every contract in service in a period, worst risk first, with money at risk",
    description="Each contract as `GET /v1/sla-risk` sees it: its worst level's status (lost, "
    "at_risk, on_track, secured), how many levels are at risk, the lowest probability a level "
    "is met and the money at risk; totals per currency over all pages. Client and partner "
    "callers see their own client's contracts only.",
)
async def get_portfolio(
    session: SessionDep,
    upstream: UpstreamDep,
    page: PageParamsDep,
    principal: Annotated[Principal, Depends(require(*BILLERS, Role.client, Role.partner))],
    period: Annotated[CalendarMonth, Query(description="YYYY-MM")],
    as_of: Annotated[AwareDateTime | None, Query(description="ISO 8601 with offset")] = None,
) -> PortfolioRead:
    moment = as_of or datetime.now(UTC)
    entries, totals = await portfolio(
        PricePlanRepository(session),
        InvoiceRepository(session),
        upstream,
        principal,
        period,
        moment,
    )
    # The ranking is computed whole for each page: the cursor is the position in it.
    start = 0
    if page.after:
        if len(page.after) != 1 or not page.after[0].isdigit():
            raise ValidationFailed.on("cursor", "not a cursor this API returned")
        start = int(page.after[0])
    items = entries[start : start + page.limit]
    more = start + page.limit < len(entries)
    return PortfolioRead(
        period=period,
        as_of=moment,
        contracts=len(entries),
        totals=totals,
        items=items,
        next_cursor=encode_cursor([start + page.limit]) if more else None,
        limit=page.limit,
    )


@router.get(
    "",
    summary="A contract's service levels projected to the period's end, with the money at risk",
    description="The metrics service's projection of every service level (month to date, "
    "forecast, probability met, what recovery takes, status) and the service credit the "
    "period's invoice would carry if it ended as projected, priced by the invoice engine with "
    "the contract's plan and credit terms and month-to-date usage scaled to the period's end. "
    "`as_of` defaults to now.",
    responses={404: {"description": "No such contract (or not yours)"}},
)
async def get_sla_risk(
    session: SessionDep,
    upstream: UpstreamDep,
    principal: Annotated[Principal, Depends(require(*BILLERS, Role.client, Role.partner))],
    contract_id: uuid.UUID,
    period: Annotated[CalendarMonth, Query(description="YYYY-MM")],
    as_of: Annotated[AwareDateTime | None, Query(description="ISO 8601 with offset")] = None,
) -> SlaRiskRead:
    held = await billed(
        PricePlanRepository(session), InvoiceRepository(session), contract_id, Period.parse(period)
    )
    return await sla_risk(
        held,
        upstream,
        principal,
        contract_id,
        period,
        as_of or datetime.now(UTC),
    )

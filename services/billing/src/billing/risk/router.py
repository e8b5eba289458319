import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from billing.dependencies import BILLERS, UpstreamDep
from billing.invoices.repository import InvoiceRepository
from billing.price_plans.repository import PricePlanRepository
from billing.risk.schemas import SlaRiskRead
from billing.risk.service import sla_risk
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.periods import CalendarMonth
from shared.types import AwareDateTime

router = APIRouter(prefix="/v1/sla-risk", tags=["sla risk"])


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
    return await sla_risk(
        PricePlanRepository(session),
        InvoiceRepository(session),
        upstream,
        principal,
        contract_id,
        period,
        as_of or datetime.now(UTC),
    )

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from metrics.deps import ContractsDep
from metrics.kpis.repository import KpiRepository
from metrics.risk.schemas import SlaRiskRead
from metrics.risk.service import RiskService
from metrics.sla.repository import SlaReportRepository
from metrics.sla.service import SlaService
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.periods import CalendarMonth
from shared.types import AwareDateTime

router = APIRouter(prefix="/v1/sla-projections", tags=["sla risk"])

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)


@router.get(
    "",
    summary="Each service level of a contract projected to the end of a period",
    description="Month to date (the SLA report's own figures over the contacts enqueued so "
    "far), the rest of the period forecast from the contract's history (weekday and quarter "
    "hour profile of the last 8 weeks, with a 90 % band), the projected period-end value, the "
    "probability the level is met, and what recovery takes in the window open at `as_of` "
    "(the exact further answers within the threshold, resolutions, … still needed, or "
    "secured / unreachable). `as_of` defaults to now; any past instant backtests.",
    responses={404: {"description": "No such contract (or not yours)"}},
)
async def sla_projection(
    session: SessionDep,
    contracts: ContractsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    contract_id: uuid.UUID,
    period: Annotated[CalendarMonth, Query(description="YYYY-MM")],
    as_of: Annotated[AwareDateTime | None, Query(description="ISO 8601 with offset")] = None,
    staffing: Annotated[
        bool, Query(description="Add the agents recovery takes per remaining quarter hour")
    ] = False,
) -> SlaRiskRead:
    sla = SlaService(SlaReportRepository(session), KpiRepository(session), contracts)
    service = RiskService(sla)
    return await service.risk(
        principal, contract_id, period, as_of or datetime.now(UTC), staffing=staffing
    )

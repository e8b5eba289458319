from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends

from metrics.deps import ContractsDep
from metrics.kpis.repository import KpiRepository
from metrics.sla.evaluate import version_at
from metrics.staffing.schemas import (
    FeasibilityRequest,
    FeasibilityResponse,
    StaffingRequest,
    StaffingResponse,
)
from metrics.staffing.service import check_patience, estimate_patience, feasibility, plan
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.errors import ValidationFailed

router = APIRouter(prefix="/v1/staffing", tags=["staffing"])

USERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)


@router.post(
    "",
    summary="Required agents per interval (Erlang C or Erlang A)",
    description="For each interval of forecast volume and AHT: the fewest agents meeting the "
    "target service level within the threshold (and the occupancy cap), with the achieved "
    "service level, probability of waiting, ASA and occupancy; scheduled staff = "
    "ceil(agents / (1 - shrinkage)). With `model: erlang_a` callers hang up after a mean "
    "patience (given, or estimated from a contract's contacts): the answer also has the "
    "abandonment and Erlang C's agents for comparison.",
)
async def staffing(
    request: StaffingRequest,
    principal: Annotated[Principal, Depends(require(*USERS))],
    contracts: ContractsDep,
    session: SessionDep,
) -> StaffingResponse:
    check_patience(request)
    estimate = None
    if request.patience_from is not None:
        estimate = await estimate_patience(
            request.patience_from, principal, contracts, KpiRepository(session)
        )
    try:
        return plan(request, estimate)
    except ValueError as exc:
        raise ValidationFailed.on("intervals", str(exc)) from exc


@router.post(
    "/feasibility",
    summary="Can a staffing plan meet a contract's service levels?",
    description="Takes the contract version in effect on `on` and, for each service level "
    "Erlang C can predict (service level, ASA, occupancy), the volume-weighted expectation "
    "with the planned agents, the verdict, and how many agents the plan is short.",
)
async def check_feasibility(
    request: FeasibilityRequest,
    contracts: ContractsDep,
    principal: Annotated[Principal, Depends(require(*USERS))],
) -> FeasibilityResponse:
    terms = await contracts.service_terms(
        request.contract_id, request.on, request.on + timedelta(days=1), token=principal.token
    )
    version = version_at(terms, request.on)
    if version is None:
        raise ValidationFailed.on("on", "no contract version is in effect on that date")
    try:
        levels = feasibility(
            version.get("service_levels") or [], request.intervals, request.interval_minutes
        )
    except ValueError as exc:  # traffic beyond what the calculator carries, as in staffing
        raise ValidationFailed.on("intervals", str(exc)) from exc
    verdicts = [lv.feasible for lv in levels if lv.assessable]
    return FeasibilityResponse(
        contract_id=request.contract_id,
        contract_version=int(version["version"]),
        feasible=None if not verdicts or None in verdicts else all(verdicts),
        levels=levels,
    )

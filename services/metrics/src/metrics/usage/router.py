import uuid
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from metrics.deps import ContractsDep
from metrics.kpis.repository import KpiRepository
from metrics.timeutil import month_bounds
from metrics.usage.service import UsageService
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.errors import ValidationFailed
from shared.types import PERIOD_PATTERN

router = APIRouter(prefix="/v1/usage", tags=["usage"])

READERS = (Role.operator, Role.finance, Role.client, Role.service)


class ChannelUsage(BaseModel):
    handled_contacts: int
    handled_minutes: str
    offered_contacts: int


class Usage(BaseModel):
    contract_id: uuid.UUID
    period: str
    period_start: date
    period_end: date
    time_zone: str
    increment_seconds: int
    handled_contacts: int
    handled_minutes: str
    offered_contacts: int
    productive_agent_hours: str
    by_channel: dict[str, ChannelUsage]


@router.get(
    "",
    summary="Billable usage of a contract for a month",
    description="Handled contacts and minutes per channel, each contact's handle time rounded "
    "up to `increment_seconds` (1, 6 or 60) before summing; offered (inbound) contacts; "
    "productive agent hours (available, on contact, after-contact work; each agent-second "
    "once, also when the platform reports states per queue). Productive hours are billed for "
    "the whole contract: 0 when filtering by channel or queue.",
)
async def get_usage(
    session: SessionDep,
    contracts: ContractsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    contract_id: uuid.UUID,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN)],
    increment_seconds: Annotated[
        int, Query(description="Per-contact rounding: 1 (per second), 6, or 60 (started minute)")
    ] = 1,
    channel: Annotated[list[str] | None, Query()] = None,
    queue: Annotated[list[str] | None, Query()] = None,
) -> Usage:
    if increment_seconds not in (1, 6, 60):
        raise ValidationFailed.on("increment_seconds", "must be 1, 6 or 60")
    first, last, _, _ = month_bounds(period, ZoneInfo("UTC"))
    terms = await contracts.service_terms(contract_id, first, last, token=principal.token)
    body = await UsageService(KpiRepository(session)).usage(
        contract_id,
        period,
        ZoneInfo(terms["time_zone"]),
        increment_seconds,
        channels=tuple(channel or ()),
        queues=tuple(queue or ()),
    )
    return Usage.model_validate(body)

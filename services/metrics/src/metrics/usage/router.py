import uuid
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from metrics.deps import ContractsDep
from metrics.kpis.repository import KpiRepository
from metrics.timeutil import month_bounds
from metrics.usage.service import UsageService
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.errors import ValidationFailed
from shared.periods import CalendarMonth
from shared.types import Channel, IsoDate, Text

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
    # The days counted (the whole period unless the request named a range within it).
    from_: date = Field(alias="from")
    to: date
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
    "the whole contract: 0 when filtering by channel or queue. `from` and `to` "
    "(both or neither, inclusive, inside the period) count only those days: billing prices "
    "each part of a month a price-plan version was in effect for.",
)
async def get_usage(
    session: SessionDep,
    contracts: ContractsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    contract_id: uuid.UUID,
    period: Annotated[CalendarMonth, Query()],
    increment_seconds: Annotated[
        int, Query(description="Per-contact rounding: 1 (per second), 6, or 60 (started minute)")
    ] = 1,
    channel: Annotated[list[Channel] | None, Query()] = None,
    queue: Annotated[list[Text] | None, Query()] = None,
    from_: Annotated[
        IsoDate | None, Query(alias="from", description="First day counted (with `to`)")
    ] = None,
    to: Annotated[IsoDate | None, Query(description="Last day counted (with `from`)")] = None,
) -> Usage:
    if increment_seconds not in (1, 6, 60):
        raise ValidationFailed.on("increment_seconds", "must be 1, 6 or 60")
    first, last, _, _ = month_bounds(period, ZoneInfo("UTC"))
    days = _days(first, last, from_, to)
    terms = await contracts.service_terms(contract_id, first, last, token=principal.token)
    body = await UsageService(KpiRepository(session)).usage(
        contract_id,
        period,
        ZoneInfo(terms["time_zone"]),
        increment_seconds,
        channels=tuple(channel or ()),
        queues=tuple(queue or ()),
        days=days,
    )
    return Usage.model_validate(body)


def _days(first: date, last: date, low: date | None, high: date | None) -> tuple[date, date]:
    if low is None and high is None:
        return first, last
    if low is None:
        raise ValidationFailed.on("from", "required with to")
    if high is None:
        raise ValidationFailed.on("to", "required with from")
    if not first <= low <= last:
        raise ValidationFailed.on("from", f"must be inside the period ({first} to {last})")
    if not low <= high <= last:
        raise ValidationFailed.on("to", f"must be on or after from and on or before {last}")
    return low, high

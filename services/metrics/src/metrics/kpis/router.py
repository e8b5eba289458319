import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from metrics.deps import ContractsDep
from metrics.kpis.repository import KpiRepository, Scope
from metrics.kpis.schemas import KpiReport
from metrics.kpis.service import KpiQuery, KpiService, readable_scope
from metrics.timeutil import parse_instant
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.errors import ValidationFailed
from shared.types import Channel, Text, TimeZoneName

router = APIRouter(prefix="/v1/kpis", tags=["kpis"])

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)


@router.get(
    "",
    summary="KPIs for a contract, client, queue or channel over any range",
    description=(
        "Every metric with its numerator and denominator; an empty denominator is "
        "`value: null` (no data). Buckets are in the contract's time zone (or `time_zone`). "
        "Answered from 15-minute rollups; grouping by agent, thresholds above 600 s and "
        "ranges not on 15-minute boundaries scan raw records (`computed_from` says which). "
        "Occupancy comes from agent activity, each agent-second once (handling wins over "
        "available); filtered or grouped by queue or channel, only activity spans naming a "
        "matching queue (channel) count, so without such spans occupancy is no data. "
        "The quality score is the mean score (0-100) of the QA evaluations made in the bucket "
        "(by `evaluated_at`): its numerator, the sum of the scores, is a decimal string."
    ),
)
async def get_kpis(
    session: SessionDep,
    contracts: ContractsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    range_from: Annotated[
        Text, Query(alias="from", description="Date (local midnight) or ISO timestamp")
    ],
    range_to: Annotated[Text, Query(alias="to", description="Exclusive end; date or timestamp")],
    contract_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    queue: Annotated[list[Text] | None, Query()] = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    direction: Literal["inbound", "outbound", "all"] = "inbound",
    granularity: Literal["15min", "hour", "day", "week", "month", "total"] = "day",
    group_by: Literal["queue", "channel", "agent"] | None = None,
    threshold: Annotated[
        list[int] | None, Query(description="Service-level thresholds in seconds (default 20)")
    ] = None,
    strict: bool = False,
    short_abandon_seconds: Annotated[int, Query(ge=0, le=3600)] = 0,
    include_flow_outs: bool = False,
    time_zone: TimeZoneName | None = None,
) -> KpiReport:
    readable = await readable_scope(
        principal,
        contracts,
        contract_id=contract_id,
        client_id=client_id,
        filtered=bool(queue or channel),
        time_zone=time_zone,
    )
    terms = readable.terms
    thresholds = tuple(threshold or [20])
    if any(t < 0 or t > 86_400 * 7 for t in thresholds) or len(thresholds) > 10:
        raise ValidationFailed.on("threshold", "up to 10 thresholds between 0 and 604800 s")
    tz_name = time_zone or (terms["time_zone"] if terms else None)
    tz = ZoneInfo(tz_name or "UTC")
    start, end = _instant(range_from, tz, "from"), _instant(range_to, tz, "to")
    if end <= start:
        raise ValidationFailed.on("to", "must be after from")
    if end - start > timedelta(days=400):
        raise ValidationFailed.on("to", "a range of at most 400 days")
    query = KpiQuery(
        scope=Scope(
            contract_id=contract_id,
            client_id=readable.client_id,
            queues=tuple(queue or ()),
            channels=tuple(channel or ()),
            direction=None if direction == "all" else direction,
        ),
        start=start,
        end=end,
        tz=tz,
        granularity=granularity,
        group_by=group_by,
        thresholds=thresholds,
        strict=strict,
        short_abandon_seconds=short_abandon_seconds,
        include_flow_outs=include_flow_outs,
    )
    return await KpiService(KpiRepository(session)).report(query)


def _instant(text: str, tz: ZoneInfo, field: str) -> datetime:
    try:
        return parse_instant(text, tz)
    except ValueError as exc:
        raise ValidationFailed.on(field, f"a date or an ISO timestamp ({exc})") from exc

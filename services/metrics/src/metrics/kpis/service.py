from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from metrics.activity.models import HANDLING_STATES, ActivityState
from metrics.activity.occupancy import SpanFilter, occupancy_seconds
from metrics.kpis import figures as f
from metrics.kpis.figures import Sums, Variant
from metrics.kpis.repository import KpiRepository, Scope, rollups_can_answer
from metrics.kpis.schemas import Counts, FigureOut, KpiBucket, KpiReport, ServiceLevelOut
from metrics.timeutil import aligned_to_interval
from shared.auth import Principal
from shared.errors import ValidationFailed

if TYPE_CHECKING:
    from metrics.contracts_client import ContractsClient


@dataclass(frozen=True)
class KpiQuery:
    scope: Scope
    start: datetime
    end: datetime
    tz: ZoneInfo
    granularity: str
    group_by: str | None
    thresholds: tuple[int, ...]
    strict: bool
    short_abandon_seconds: int
    include_flow_outs: bool


def figure(fig: f.Figure) -> FigureOut:
    return FigureOut(
        value=None if fig.value is None else str(fig.value),
        numerator=fig.numerator,
        denominator=fig.denominator,
    )


NO_DATA = f.Figure(None, 0, 0)


def bucket_figures(
    s: Sums, q: KpiQuery, occupancy: f.Figure | None, quality: f.Figure = NO_DATA
) -> tuple[Counts, dict[str, FigureOut], list[ServiceLevelOut]]:
    """Every KPI of one bucket from its sums (pure)."""
    short = s.short_abandons(q.short_abandon_seconds)
    counts = Counts(
        contacts=s.contacts,
        offered=s.offered,
        answered=s.answered,
        abandoned=s.abandoned,
        short_abandons=short,
        flow_outs=s.flow_outs,
        handled=s.answered,
    )
    metrics = {
        "asa": figure(f.asa(s)),
        "average_abandon_time": figure(f.average_abandon_time(s)),
        "aht": figure(f.aht(s)),
        "abandonment_rate": figure(f.abandonment_rate(s, q.short_abandon_seconds)),
        "fcr": figure(f.fcr(s)),
        "csat_mean": figure(f.csat_mean(s)),
        "csat_top2": figure(f.csat_top2(s)),
        "nps": figure(f.nps(s)),
        "transfer_rate": figure(f.transfer_rate(s)),
        "occupancy": figure(occupancy or NO_DATA),
        "quality_score": figure(quality),
    }
    levels = []
    for threshold in q.thresholds:
        for variant in Variant:
            fig = f.service_level(
                s,
                threshold,
                strict=q.strict,
                variant=variant,
                short_abandon_seconds=q.short_abandon_seconds,
                include_flow_outs=q.include_flow_outs,
            )
            levels.append(
                ServiceLevelOut(
                    **figure(fig).model_dump(),
                    threshold_seconds=threshold,
                    strict=q.strict,
                    variant=variant,
                    short_abandon_seconds=q.short_abandon_seconds,
                    include_flow_outs=q.include_flow_outs,
                )
            )
    return counts, metrics, levels


def _bucket_order(row: tuple[datetime, tuple[Any, ...], Sums]) -> tuple[Any, ...]:
    """Buckets by start, then group, no group last (the SQL order of the sums)."""
    bucket, group, _ = row
    value = group[0] if group else None
    return (bucket, value is None, value or "")


@dataclass(frozen=True, slots=True)
class ReadableScope:
    """The client the KPI rows are limited to, and the terms of the contract asked about
    (fetched with the caller's token) when they were needed."""

    client_id: uuid.UUID | None
    terms: dict[str, Any] | None


async def readable_scope(
    principal: Principal,
    contracts: ContractsClient,
    *,
    contract_id: uuid.UUID | None,
    client_id: uuid.UUID | None,
    filtered: bool,
    time_zone: str | None,
) -> ReadableScope:
    """What the caller may read of the KPIs asked for (``filtered``: by queue or channel).

    A tenant-scoped caller reads only its own client: another client named is refused, and
    a contract named is fetched with the caller's token (another tenant's answers 404 there),
    so a tenant's question about its own contract needs no client filter on the rows; without
    a contract, the rows are limited to the caller's client."""
    tenant = principal.tenant_client_id
    if tenant is not None and client_id not in (None, tenant):
        raise ValidationFailed.on("client_id", "not a client you may read")
    if contract_id is None and client_id is None and not filtered and not tenant:
        raise ValidationFailed.on("contract_id", "give contract_id, client_id, queue or channel")
    today = datetime.now(UTC).date()
    terms = None
    if contract_id is not None and (tenant is not None or time_zone is None):
        terms = await contracts.service_terms(
            contract_id, today, today + timedelta(days=1), token=principal.token
        )
    elif tenant is not None:
        client_id = tenant
    return ReadableScope(client_id=client_id, terms=terms)


class KpiService:
    def __init__(self, repository: KpiRepository) -> None:
        self.repository = repository

    async def report(self, q: KpiQuery) -> KpiReport:
        bounds = f.thresholds_needed(
            ((t, q.strict) for t in q.thresholds), [q.short_abandon_seconds]
        )
        raw = (
            q.group_by == "agent"
            or not rollups_can_answer(bounds)
            or not (aligned_to_interval(q.start) and aligned_to_interval(q.end))
        )
        rows = await self.repository.sums(
            q.scope,
            q.start,
            q.end,
            granularity=q.granularity,
            tz=q.tz.key,
            group_by=q.group_by,
            bounds=bounds,
            raw=raw,
        )
        occupancy = await self._occupancy(q)
        quality = await self._quality(q)
        # A bucket of QA evaluations without contacts is still a bucket (no contact counts).
        contact_keys = {(bucket, group[0] if group else None) for bucket, group, _ in rows}
        only_evaluated = [
            (bucket, (group,) if q.group_by else (), Sums())
            for bucket, group in quality
            if (bucket, group) not in contact_keys
        ]
        if only_evaluated:
            rows = sorted(rows + only_evaluated, key=_bucket_order)
        buckets = []
        for bucket, group, sums in rows:
            group_value = group[0] if group else None
            key = (None if q.granularity == "total" else bucket, group_value)
            handling, idle = occupancy.get(key, (0, 0))
            occ = f.occupancy(handling, idle)
            counts, metrics, levels = bucket_figures(
                sums, q, occ, quality.get((bucket, group_value), NO_DATA)
            )
            buckets.append(
                KpiBucket(
                    start=bucket.astimezone(q.tz),
                    group=group_value,
                    counts=counts,
                    metrics=metrics,
                    service_level=levels,
                )
            )
        return KpiReport(
            contract_id=q.scope.contract_id,
            client_id=q.scope.client_id,
            queues=list(q.scope.queues),
            channels=list(q.scope.channels),
            direction=q.scope.direction or "all",
            time_zone=q.tz.key,
            start=q.start.astimezone(q.tz),
            end=q.end.astimezone(q.tz),
            granularity=q.granularity,
            group_by=q.group_by,
            computed_from="raw_records" if raw else "rollups",
            buckets=buckets,
        )

    async def _quality(self, q: KpiQuery) -> dict[tuple[datetime, str | None], f.Figure]:
        """The quality score per bucket and group from the QA evaluations made in it."""
        rows = await self.repository.quality_sums(
            q.scope, q.start, q.end, granularity=q.granularity, tz=q.tz.key, group_by=q.group_by
        )
        return {
            (bucket, group): f.quality_score(score_sum, count)
            for bucket, group, score_sum, count in rows
        }

    async def _occupancy(
        self, q: KpiQuery
    ) -> dict[tuple[datetime | None, str | None], tuple[int, int]]:
        """Seconds of (handling, available) per bucket and group from agent activity. Filtered
        or grouped by queue or channel, only spans naming the queue (channel) count."""
        rows = await self.repository.activity(
            q.start,
            q.end,
            contract_id=q.scope.contract_id,
            client_id=q.scope.client_id,
            states=[*HANDLING_STATES, ActivityState.available],
            queues=q.scope.queues,
            channels=q.scope.channels,
        )
        return occupancy_seconds(
            rows,
            q.granularity,
            q.tz,
            span_filter=SpanFilter.of(q.scope.queues, q.scope.channels),
            group_by=q.group_by,
        )

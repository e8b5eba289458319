"""SLA reports: fetch the contract's service terms, read the period's sums, evaluate (pure),
store the result with its revision."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from metrics.activity.models import HANDLING_STATES, ActivityState
from metrics.contracts_client import ContractsClient
from metrics.kpis.repository import KpiRepository, Scope, rollups_can_answer
from metrics.sla.evaluate import (
    Slice,
    evaluate,
    hours_on_quarter_hours,
    thresholds_of,
    version_at,
)
from metrics.sla.models import SlaReport
from metrics.sla.repository import SlaReportRepository
from metrics.timeutil import local_midnight, month_bounds
from shared.auth import Principal
from shared.errors import NotFound, ValidationFailed
from shared.pagination import PageParams


def first_version_within(
    terms: Mapping[str, Any], first: date, last: date
) -> Mapping[str, Any] | None:
    """The earliest version taking effect between ``first`` and ``last`` (inclusive)."""
    starting = [
        v
        for v in terms.get("versions", [])
        if first <= date.fromisoformat(v["effective_from"]) <= last
    ]
    return min(starting, key=lambda v: v["effective_from"], default=None)


@dataclass(frozen=True)
class EvaluationInputs:
    slices: list[Slice]
    activity: list[Mapping[str, Any]]
    evaluations: list[Mapping[str, Any]]


def reported_version(
    terms: Mapping[str, Any], contract_id: uuid.UUID, period: str, tz: ZoneInfo
) -> tuple[Mapping[str, Any], date, date, datetime, datetime]:
    """The version an SLA report of ``period`` evaluates, and the days and instants it covers:
    the version in effect on the period's first day, or, for the month a contract starts in
    (a partial first month, which billing invoices too), its first version from its start."""
    first, last, start, end = month_bounds(period, tz)
    version = version_at(terms, first)
    if version is None and (starting := first_version_within(terms, first, last)):
        version, first = starting, date.fromisoformat(starting["effective_from"])
        start = local_midnight(first, tz)
    if version is None:
        raise ValidationFailed.on(
            "period", f"no version of contract {contract_id} is in effect on {first}"
        )
    return version, first, last, start, end


class SlaReportNotFound(NotFound):
    title = "SLA report not found"


class SlaService:
    def __init__(
        self, reports: SlaReportRepository, kpis: KpiRepository, contracts: ContractsClient
    ) -> None:
        self.reports = reports
        self.kpis = kpis
        self.contracts = contracts

    async def report(
        self, principal: Principal, contract_id: uuid.UUID, period: str, *, recompute: bool
    ) -> tuple[SlaReport, bool]:
        """The stored report (created=False) or a new revision (created=True)."""
        # A stored report names its client: a caller who may see that client needs no round
        # trip to the contracts service (invoice runs ask for every contract's report).
        held = None if recompute else await self.reports.latest(contract_id, period)
        if (
            held is not None
            and held.client_id is not None
            and principal.can_see_client(held.client_id)
        ):
            return held, False
        # Asking the contracts service with the caller's token also checks the caller may see
        # the contract (another tenant's contract answers 404).
        probe_tz = ZoneInfo("UTC")
        first, last, _, _ = month_bounds(period, probe_tz)
        terms = await self.contracts.service_terms(contract_id, first, last, token=principal.token)
        await self.reports.lock(contract_id, period)
        if not recompute and (held := await self.reports.latest(contract_id, period)):
            return held, False
        tz = ZoneInfo(terms["time_zone"])
        version, first, last, start, end = reported_version(terms, contract_id, period, tz)
        results = await self.evaluate_version(contract_id, version, tz, first, last, start, end)
        client_id = terms.get("client_id")
        report = SlaReport(
            contract_id=contract_id,
            client_id=uuid.UUID(client_id) if client_id else None,
            period=period,
            period_start=first,
            period_end=last,
            time_zone=tz.key,
            revision=await self.reports.next_revision(contract_id, period),
            contract_version=int(version["version"]),
            results=results,
            terms={**terms, "versions": [version]},
        )
        return await self.reports.add(report), True

    async def evaluate_version(
        self,
        contract_id: uuid.UUID,
        version: Mapping[str, Any],
        tz: ZoneInfo,
        first: date,
        last: date,
        start: datetime,
        end: datetime,
    ) -> list[dict[str, Any]]:
        inputs = await self.read_slices(contract_id, version, tz, start, end)
        return evaluate(
            version,
            slices=inputs.slices,
            tz=tz,
            first=first,
            last=last,
            activity=inputs.activity,
            evaluations=inputs.evaluations,
        )

    async def read_slices(
        self,
        contract_id: uuid.UUID,
        version: Mapping[str, Any],
        tz: ZoneInfo,
        start: datetime,
        end: datetime,
    ) -> EvaluationInputs:
        """What the version's service levels are evaluated from between two instants: sums
        per quarter hour (or minute), queue and channel, the agent activity spans when a
        level measures occupancy, and the QA evaluations when one measures quality."""
        levels = version.get("service_levels") or []
        bounds = thresholds_of(levels)
        hours = version.get("hours") or {}
        # Rollup intervals are whole quarter hours: hours that are not force minute slices.
        needs_minutes = any(sl.get("business_hours_only") for sl in levels) and not (
            hours_on_quarter_hours(hours)
        )
        raw = needs_minutes or not rollups_can_answer(bounds)
        rows = await self.kpis.sums(
            Scope(contract_id=contract_id, direction="inbound"),
            start,
            end,
            granularity="minute" if needs_minutes else "15min",
            tz=tz.key,
            group_by=None,
            bounds=bounds,
            raw=raw,
            extra_groups=("queue", "channel"),
        )
        slices = [Slice(bucket, group[0], group[1], sums) for bucket, group, sums in rows]
        activity: list[Mapping[str, Any]] = []
        if any(sl["metric"] == "occupancy" for sl in levels):
            activity = list(
                await self.kpis.activity(
                    start,
                    end,
                    contract_id=contract_id,
                    client_id=None,
                    states=[*HANDLING_STATES, ActivityState.available],
                )
            )
        evaluations: list[Mapping[str, Any]] = []
        if any(sl["metric"] == "quality_score" for sl in levels):
            evaluations = list(await self.kpis.evaluations(start, end, contract_id=contract_id))
        return EvaluationInputs(slices, activity, evaluations)

    async def get(self, principal: Principal, report_id: uuid.UUID) -> SlaReport:
        report = await self.reports.get(report_id)
        if report is None or not principal.can_see_client(report.client_id):
            raise SlaReportNotFound(f"no SLA report {report_id}")
        return report

    async def list(
        self,
        principal: Principal,
        params: PageParams,
        *,
        contract_id: uuid.UUID | None,
        period: str | None,
    ) -> tuple[list[SlaReport], str | None]:
        return await self.reports.list(
            params, contract_id=contract_id, period=period, client_id=principal.tenant_client_id
        )

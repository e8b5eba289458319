"""Staffing plans (Erlang C, or Erlang A when callers hang up) and their feasibility against a
contract's service levels (Erlang C)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from metrics.contracts_client import ContractsClient
from metrics.kpis.repository import KpiRepository, Scope
from metrics.staffing import erlang, erlang_a
from metrics.staffing.schemas import (
    ForecastInterval,
    IntervalStaffing,
    LevelFeasibility,
    PatienceEstimate,
    PatienceSource,
    QueueModel,
    StaffingRequest,
    StaffingResponse,
)
from metrics.timeutil import aligned_to_interval
from shared.auth import Principal
from shared.errors import FieldError, ValidationFailed


def check_patience(request: StaffingRequest) -> None:
    """Erlang A needs the callers' patience, given or to be estimated (one of the two);
    Erlang C has none."""
    given = [n for n in ("patience_seconds", "patience_from") if getattr(request, n)]
    if request.model is QueueModel.erlang_a and len(given) != 1:
        code = "missing" if not given else "conflict"
        raise ValidationFailed(
            "erlang_a needs the callers' patience",
            errors=[
                FieldError(
                    "patience_seconds",
                    "give exactly one of patience_seconds and patience_from",
                    code,
                )
            ],
        )
    if request.model is QueueModel.erlang_c and given:
        raise ValidationFailed.on(given[0], "only used with model erlang_a", "extra")


async def estimate_patience(
    source: PatienceSource,
    principal: Principal,
    contracts: ContractsClient,
    repository: KpiRepository,
) -> PatienceEstimate:
    """Callers' mean patience from a contract's own contacts: with patience exponential, its
    maximum-likelihood estimate is the time every contact spent waiting (answered ones until
    they were answered, abandoned ones until they hung up) over the abandoned contacts.

    The contract is read with the caller's token first: another tenant's is a 404."""
    if source.to <= source.from_:
        raise ValidationFailed.on("patience_from.to", "must be after from")
    day = source.from_.date()
    await contracts.service_terms(source.contract_id, day, day, token=principal.token)
    rows = await repository.sums(
        Scope(contract_id=source.contract_id),
        source.from_,
        source.to,
        granularity="total",
        tz="UTC",
        group_by=None,
        bounds=(),
        # rollups hold whole quarter hours: a span between them is summed from the records
        raw=not (aligned_to_interval(source.from_) and aligned_to_interval(source.to)),
    )
    abandoned = sum(s.abandoned for _, _, s in rows)
    waited = sum(s.wait_answered + s.wait_abandoned for _, _, s in rows)
    if abandoned == 0 or waited == 0:
        raise ValidationFailed.on(
            "patience_from",
            "no contact of the contract abandoned after waiting in that span: patience "
            "cannot be estimated (give patience_seconds)",
        )
    return PatienceEstimate(
        contract_id=source.contract_id,
        start=source.from_,
        end=source.to,
        abandoned=abandoned,
        waited_seconds=waited,
        patience_seconds=waited / abandoned,
    )


def plan(request: StaffingRequest, estimate: PatienceEstimate | None = None) -> StaffingResponse:
    """The agents each interval needs, with Erlang C or Erlang A (then next to Erlang C's)."""
    seconds = request.interval_minutes * 60
    patience = estimate.patience_seconds if estimate else request.patience_seconds
    target = float(request.target_service_level)
    cap = None if request.max_occupancy is None else float(request.max_occupancy)
    out = []
    for interval in request.intervals:
        traffic = erlang.traffic_erlangs(interval.volume, interval.aht_seconds, seconds)
        c = erlang.required_agents(
            traffic,
            interval.aht_seconds,
            target_service_level=target,
            threshold=request.threshold_seconds,
            max_occupancy=cap,
        )
        row = IntervalStaffing(
            start=interval.start,
            volume=interval.volume,
            aht_seconds=interval.aht_seconds,
            traffic_erlangs=traffic,
            agents=c.agents,
            scheduled_staff=erlang.scheduled_staff(c.agents, request.shrinkage),
            service_level=c.service_level,
            probability_of_waiting=c.probability_of_waiting,
            asa_seconds=c.asa_seconds,
            occupancy=c.occupancy,
        )
        if request.model is QueueModel.erlang_a:
            assert patience is not None  # check_patience
            a = erlang_a.required_agents(
                traffic,
                interval.aht_seconds,
                target_service_level=target,
                threshold=request.threshold_seconds,
                patience=patience,
                max_occupancy=cap,
            )
            row = row.model_copy(
                update={
                    "agents": a.agents,
                    "scheduled_staff": erlang.scheduled_staff(a.agents, request.shrinkage),
                    "service_level": a.service_level,
                    "probability_of_waiting": a.probability_of_waiting,
                    "asa_seconds": a.asa_seconds,
                    "occupancy": a.occupancy,
                    "abandonment": a.abandonment,
                    "erlang_c_agents": c.agents,
                }
            )
        out.append(row)
    hours = request.interval_minutes / 60
    return StaffingResponse(
        model=request.model,
        patience_seconds=patience,
        patience_estimate=estimate,
        intervals=out,
        peak_agents=max(i.agents for i in out),
        peak_scheduled_staff=max(i.scheduled_staff for i in out),
        agent_hours=sum(i.agents for i in out) * hours,
        scheduled_hours=sum(i.scheduled_staff for i in out) * hours,
    )


ASSESSABLE = ("service_level", "asa", "occupancy")


def feasibility(
    levels: Sequence[Mapping[str, Any]],
    intervals: Sequence[ForecastInterval],
    interval_minutes: int,
) -> list[LevelFeasibility]:
    """Whether planned agents can meet each service level, as Erlang C predicts.

    Erlang C knows neither abandons nor flow-outs (everyone waits), so its service level is
    answered-within-threshold over offered; business hours and filters are the forecast's
    business. Metrics it cannot predict (AHT, FCR, CSAT …) are reported as not assessable."""
    seconds = interval_minutes * 60
    out = []
    for sl in levels:
        metric = sl["metric"]
        target = float(sl["target"])
        direction = sl.get("direction") or "at_least"
        if metric not in ASSESSABLE or (
            metric == "service_level" and sl.get("threshold_seconds") is None
        ):
            out.append(
                LevelFeasibility(
                    key=sl["key"],
                    metric=metric,
                    target=str(sl["target"]),
                    direction=direction,
                    assessable=False,
                    expected=None,
                    feasible=None,
                    intervals_short=0,
                    agents_short=0,
                    note="Erlang C does not predict this metric",
                )
            )
            continue
        threshold = float(sl.get("threshold_seconds") or 0)
        weighted = volume = 0.0
        short = missing = 0
        for interval in intervals:
            if interval.volume <= 0:
                continue
            traffic = erlang.traffic_erlangs(interval.volume, interval.aht_seconds, seconds)
            planned = interval.planned_agents or 0
            got = erlang.achieved(planned, traffic, interval.aht_seconds, threshold)
            if metric == "service_level":
                value = got.service_level
                need = erlang.required_agents(
                    traffic, interval.aht_seconds, target_service_level=target, threshold=threshold
                ).agents
            elif metric == "asa":
                value = got.asa_seconds if got.asa_seconds is not None else float("inf")
                need = _agents_for_asa(traffic, interval.aht_seconds, target)
            else:
                value = got.occupancy
                need = planned  # occupancy targets are met by the plan as given
            weighted += value * interval.volume
            volume += interval.volume
            if planned < need:
                short += 1
                missing += need - planned
        expected = weighted / volume if volume else None
        feasible = None
        if expected is not None:
            feasible = expected >= target if direction == "at_least" else expected <= target
        out.append(
            LevelFeasibility(
                key=sl["key"],
                metric=metric,
                target=str(sl["target"]),
                direction=direction,
                assessable=True,
                expected=expected if expected != float("inf") else None,
                feasible=feasible,
                intervals_short=short,
                agents_short=missing,
            )
        )
    return out


def _agents_for_asa(traffic: float, aht: float, target_asa: float) -> int:
    n = int(traffic) + 1
    while True:
        result = erlang.achieved(n, traffic, aht, 0)
        if result.asa_seconds is not None and result.asa_seconds <= target_asa:
            return n
        n += 1

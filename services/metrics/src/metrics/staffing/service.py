"""Staffing plans and their feasibility against a contract's service levels (Erlang C)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from metrics.staffing import erlang
from metrics.staffing.schemas import (
    ForecastInterval,
    IntervalStaffing,
    LevelFeasibility,
    StaffingRequest,
    StaffingResponse,
)


def plan(request: StaffingRequest) -> StaffingResponse:
    seconds = request.interval_minutes * 60
    out = []
    for interval in request.intervals:
        traffic = erlang.traffic_erlangs(interval.volume, interval.aht_seconds, seconds)
        result = erlang.required_agents(
            traffic,
            interval.aht_seconds,
            target_service_level=float(request.target_service_level),
            threshold=request.threshold_seconds,
            max_occupancy=None if request.max_occupancy is None else float(request.max_occupancy),
        )
        out.append(
            IntervalStaffing(
                start=interval.start,
                volume=interval.volume,
                aht_seconds=interval.aht_seconds,
                traffic_erlangs=traffic,
                agents=result.agents,
                scheduled_staff=erlang.scheduled_staff(result.agents, request.shrinkage),
                service_level=result.service_level,
                probability_of_waiting=result.probability_of_waiting,
                asa_seconds=result.asa_seconds,
                occupancy=result.occupancy,
            )
        )
    hours = request.interval_minutes / 60
    return StaffingResponse(
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

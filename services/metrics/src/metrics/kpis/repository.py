"""Summed counts for KPIs and SLA reports: from rollups, or by a scan of raw records when the
question needs what rollups do not keep (grouping by agent, waits above the histogram)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from metrics.activity.models import HANDLING_STATES
from metrics.driver import raw_connection
from metrics.kpis.figures import SCALAR_FIELDS, Sums
from metrics.rollups.models import HISTOGRAM_MAX_SECONDS
from metrics.timeutil import hourly_rollups_fit

# Granularities whose buckets are date_trunc units in the contract's time zone.
TRUNC_UNITS = {"hour": "hour", "day": "day", "week": "week", "month": "month"}
GROUP_COLUMNS = {"queue": "queue", "channel": "channel", "agent": "agent"}

RAW_SUMS = {
    "contacts": "count(*)",
    "answered": "count(*) FILTER (WHERE outcome = 'answered')",
    "abandoned": "count(*) FILTER (WHERE outcome = 'abandoned')",
    "flow_outs": "count(*) FILTER (WHERE outcome = 'flow_out')",
    "wait_answered": "sum(wait_seconds) FILTER (WHERE outcome = 'answered')",
    "wait_abandoned": "sum(wait_seconds) FILTER (WHERE outcome = 'abandoned')",
    "handle_seconds": "sum(talk_seconds + hold_seconds + acw_seconds) "
    "FILTER (WHERE outcome = 'answered')",
    "handle_units_6": "sum((talk_seconds + hold_seconds + acw_seconds + 5) / 6) "
    "FILTER (WHERE outcome = 'answered')",
    "handle_units_60": "sum((talk_seconds + hold_seconds + acw_seconds + 59) / 60) "
    "FILTER (WHERE outcome = 'answered')",
    "transferred": "count(*) FILTER (WHERE transferred)",
    "fcr_resolved": "count(*) FILTER (WHERE resolved)",
    "fcr_known": "count(resolved)",
    "csat_responses": "count(csat)",
    "csat_sum": "sum(csat)",
    "csat_top2": "count(*) FILTER (WHERE csat >= 4)",
    "nps_responses": "count(nps)",
    "nps_promoters": "count(*) FILTER (WHERE nps >= 9)",
    "nps_detractors": "count(*) FILTER (WHERE nps <= 6)",
}


@dataclass(frozen=True)
class Scope:
    """Which contacts: a contract, a client, queues, channels (all optional, combined)."""

    contract_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    queues: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    direction: str | None = "inbound"


def _where(scope: Scope, time_column: str, params: list[Any]) -> str:
    clauses = [f"{time_column} >= $1", f"{time_column} < $2"]
    for column, value, cast in (
        ("contract_id", scope.contract_id, "uuid"),
        ("client_id", scope.client_id, "uuid"),
        ("direction", scope.direction, "text"),
    ):
        if value is not None:
            params.append(value)
            clauses.append(f"{column} = ${len(params)}::{cast}")
    for column, values in (("queue", scope.queues), ("channel", scope.channels)):
        if values:
            params.append(list(values))
            clauses.append(f"{column} = ANY(${len(params)}::text[])")
    return " AND ".join(clauses)


def _bucket(granularity: str, time_column: str, params: list[Any], tz: str) -> str:
    if granularity == "total":
        return "$1::timestamptz"
    if granularity == "minute":
        return f"date_trunc('minute', {time_column})"
    if granularity == "15min":
        if time_column == "interval_start":
            return "interval_start"
        return f"date_bin('15 minutes', {time_column}, timestamptz '1970-01-01 00:00:00+00')"
    params.append(tz)
    return f"date_trunc('{TRUNC_UNITS[granularity]}', {time_column}, ${len(params)}::text)"


def _to_sums(row: Any, bounds: Sequence[int]) -> Sums:
    # sum(bigint) is numeric in PostgreSQL: back to int.
    sums = Sums(**{f: int(row[f] or 0) for f in SCALAR_FIELDS})  # type: ignore[arg-type]
    sums.answered_le = {k: int(row[f"ale_{k}"] or 0) for k in bounds}
    sums.abandoned_le = {k: int(row[f"able_{k}"] or 0) for k in bounds}
    return sums


def rollups_can_answer(bounds: Iterable[int]) -> bool:
    return all(k <= HISTOGRAM_MAX_SECONDS for k in bounds)


class KpiRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sums(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        *,
        granularity: str,
        tz: str,
        group_by: str | None,
        bounds: Iterable[int],
        raw: bool = False,
        extra_groups: Sequence[str] = (),
    ) -> list[tuple[datetime, tuple[Any, ...], Sums]]:
        """Sums per bucket and group. From rollups unless ``raw`` (or the question needs it)."""
        bounds = sorted(set(bounds))
        groups = [GROUP_COLUMNS[g] for g in ([group_by] if group_by else [])] + list(extra_groups)
        use_raw = raw or "agent" in groups or not rollups_can_answer(bounds)
        hourly = not use_raw and hourly_rollups_fit(start, end, granularity, ZoneInfo(tz))
        params: list[Any] = [start, end]
        time_column = "enqueued_at" if use_raw else "interval_start"
        bucket = _bucket(granularity, time_column, params, tz)
        where = _where(scope, time_column, params)
        if use_raw:
            table = "contact_record"
            columns = [f"coalesce({sql}, 0) AS {name}" for name, sql in RAW_SUMS.items()]
            for k in bounds:
                columns.append(
                    f"count(*) FILTER (WHERE outcome = 'answered' AND wait_seconds <= {k}) "
                    f"AS ale_{k}"
                )
                columns.append(
                    f"count(*) FILTER (WHERE outcome = 'abandoned' AND wait_seconds <= {k}) "
                    f"AS able_{k}"
                )
        else:
            table = "contact_rollup_hour" if hourly else "contact_rollup"
            columns = [f"sum({name}) AS {name}" for name in SCALAR_FIELDS]
            for k in bounds:
                columns.append(f"sum(metrics_histogram_le(answered_le, {k})) AS ale_{k}")
                columns.append(f"sum(metrics_histogram_le(abandoned_le, {k})) AS able_{k}")
        group_select = "".join(f", {g} AS g_{g}" for g in groups)
        group_by_sql = ", ".join(["1", *(f"g_{g}" for g in groups)])
        sql = (
            f"SELECT {bucket} AS bucket{group_select}, {', '.join(columns)} "  # noqa: S608
            f"FROM {table} WHERE {where} GROUP BY {group_by_sql} "
            # Rollup rows whose records all moved away (replaced) sum to nothing.
            f"HAVING sum({'1' if use_raw else 'contacts'}) > 0 ORDER BY {group_by_sql}"
        )
        conn = await raw_connection(self.session)
        rows = await conn.fetch(sql, *params)
        return [
            (row["bucket"], tuple(row[f"g_{g}"] for g in groups), _to_sums(row, bounds))
            for row in rows
        ]

    async def activity(
        self,
        start: datetime,
        end: datetime,
        *,
        contract_id: uuid.UUID | None,
        client_id: uuid.UUID | None,
        states: Iterable[str] = (),
        queues: Sequence[str] = (),
        channels: Sequence[str] = (),
    ) -> list[Any]:
        """Agent activity overlapping [start, end), cut to it: agent, state, queue, channel,
        started_at, ended_at. With ``queues``/``channels``: the spans in them, and the handling
        spans (any queue) of the agents having such spans, which make those agents busy."""
        params: list[Any] = [start, end]
        clauses = ["started_at < $2", "ended_at > $1"]
        if contract_id is not None:
            params.append(contract_id)
            clauses.append(f"contract_id = ${len(params)}")
        if client_id is not None:
            params.append(client_id)
            clauses.append(f"client_id = ${len(params)}")
        if states:
            params.append(list(states))
            clauses.append(f"state = ANY(${len(params)}::text[])")
        base = " AND ".join(clauses)
        where = base
        matching = []
        for column, values in (("queue", queues), ("channel", channels)):
            if values:
                params.append(list(values))
                matching.append(f"{column} = ANY(${len(params)}::text[])")
        if matching:
            match = " AND ".join(matching)
            params.append(sorted(HANDLING_STATES))
            where = f"""{base} AND ({match} OR (state = ANY(${len(params)}::text[])
                AND agent IN (SELECT agent FROM agent_activity WHERE {base} AND {match})))"""  # noqa: S608
        # The statements are built from the constant clauses above, never from input.
        conn = await raw_connection(self.session)
        return await conn.fetch(
            f"""
            SELECT agent, state, queue, channel, greatest(started_at, $1) AS started_at,
                least(ended_at, $2) AS ended_at
            FROM agent_activity WHERE {where}
            """,  # noqa: S608
            *params,
        )

    async def quality_sums(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        *,
        granularity: str,
        tz: str,
        group_by: str | None,
    ) -> list[tuple[datetime, Any, Decimal, int]]:
        """(bucket, group, sum of scores, number of evaluations) of the QA evaluations made
        in [start, end), bucketed by ``evaluated_at``. Evaluations have no direction; one
        that does not name the queue (channel) a scope or grouping asks for is left out."""
        params: list[Any] = [start, end]
        bucket = _bucket(granularity, "evaluated_at", params, tz)
        where = _where(replace(scope, direction=None), "evaluated_at", params)
        group = GROUP_COLUMNS[group_by] if group_by else None
        if group is not None:
            where += f" AND {group} IS NOT NULL"
        group_select = f", {group} AS g" if group else ", NULL::text AS g"
        conn = await raw_connection(self.session)
        rows = await conn.fetch(
            f"SELECT {bucket} AS bucket{group_select}, sum(score) AS score_sum, "  # noqa: S608
            f"count(*) AS evaluations FROM quality_evaluation WHERE {where} "
            "GROUP BY 1, 2 ORDER BY 1, 2",
            *params,
        )
        return [(row["bucket"], row["g"], row["score_sum"], row["evaluations"]) for row in rows]

    async def evaluations(
        self, start: datetime, end: datetime, *, contract_id: uuid.UUID
    ) -> list[Any]:
        """A contract's QA evaluations made in [start, end): evaluated_at, queue, channel,
        score (for SLA reports)."""
        conn = await raw_connection(self.session)
        return await conn.fetch(
            "SELECT evaluated_at, queue, channel, score FROM quality_evaluation"
            " WHERE contract_id = $1 AND evaluated_at >= $2 AND evaluated_at < $3",
            contract_id,
            start,
            end,
        )

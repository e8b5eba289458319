"""Contracts: the list (search, status), a contract's page, its documents, and its service
levels for a month (target vs measured, a daily trend chart with the month-to-date line)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException

from web.api import ApiError, Gateway
from web.auth import Api, CurrentUser
from web.charts import trend_chart
from web.formatting import unit_of
from web.levels import daily_series, kpi_query
from web.pages.common import check_id, check_period, month_bounds, next_period, previous_period
from web.templating import formatter, render

router = APIRouter()

STATUSES = ["pending", "active", "expiring", "terminating", "expired", "terminated", "superseded"]


@router.get("/contracts")
async def list_contracts(
    request: Request,
    api: Api,
    user: CurrentUser,
    q: str = "",
    status: str = "",
    cursor: str = "",
) -> Response:
    status = status if status in STATUSES else ""
    page = await api.get("/v1/contracts", q=q.strip(), status=status, cursor=cursor, limit=50)
    return render(request, "contracts.html", page=page, q=q, status=status, statuses=STATUSES)


@router.get("/contracts/{contract_id}")
async def show_contract(
    request: Request, api: Api, user: CurrentUser, contract_id: str
) -> Response:
    contract_id = check_id(contract_id)
    contract = await api.get(f"/v1/contracts/{contract_id}")
    signatures, events, children = await asyncio.gather(
        asyncio.gather(
            *(
                api.get(f"/v1/contracts/{contract_id}/versions/{v['version']}/signatures")
                for v in contract["versions"]
            )
        ),
        api.get(f"/v1/contracts/{contract_id}/events", limit=50),
        api.get("/v1/contracts", parent_id=contract_id, limit=50),
    )
    return render(
        request,
        "contract.html",
        contract=contract,
        signatures=dict(zip([v["version"] for v in contract["versions"]], signatures, strict=True)),
        events=events["items"],
        children=children["items"],
    )


@router.get("/contracts/{contract_id}/document")
async def contract_document(
    request: Request, api: Api, user: CurrentUser, contract_id: str, format: str = "pdf"
) -> Response:
    contract_id = check_id(contract_id)
    kind = "html" if format == "html" else "pdf"
    return await _relay(api, f"/v1/contracts/{contract_id}/document?format={kind}", None)


async def _relay(api: Gateway, path: str, filename: str | None) -> Response:
    upstream, body = await api.download(path)
    headers = {"cache-control": "private, no-store"}
    if disposition := upstream.headers.get("content-disposition"):
        headers["content-disposition"] = disposition
    elif filename:
        headers["content-disposition"] = f'attachment; filename="{filename}"'
    return StreamingResponse(
        body,
        media_type=upstream.headers.get("content-type", "application/octet-stream"),
        headers=headers,
        background=BackgroundTask(upstream.aclose),
    )


async def level_days(
    api: Gateway, contract: dict[str, Any], level: dict[str, Any], period: str
) -> list[Any]:
    start, end = month_bounds(period)
    kpis = await api.get(
        "/v1/kpis",
        contract_id=contract["id"],
        **{"from": start.isoformat(), "to": end.isoformat()},
        granularity="day",
        time_zone=contract["time_zone"],
        **kpi_query(level),
    )
    return daily_series(kpis["buckets"], level)


@router.get("/contracts/{contract_id}/service-levels")
async def service_levels(
    request: Request, api: Api, user: CurrentUser, contract_id: str, period: str | None = None
) -> Response:
    contract_id = check_id(contract_id)
    period = check_period(period) or datetime.now(UTC).strftime("%Y-%m")
    contract = await api.get(f"/v1/contracts/{contract_id}")
    levels = contract.get("service_levels") or []
    reports, *series = await asyncio.gather(
        api.get("/v1/sla-reports", contract_id=contract_id, period=period, limit=10),
        *(level_days(api, contract, level, period) for level in levels),
    )
    report = reports["items"][0] if reports["items"] else None
    results = {r["key"]: r for r in (report or {}).get("results", [])}
    fmt = formatter(request)
    shown = []
    for level, days in zip(levels, series, strict=True):
        unit = unit_of(level["metric"], level.get("csat_mode"))
        last = next((d for d in reversed(days) if d.to_date is not None), None)
        shown.append(
            {
                "level": level,
                "unit": unit,
                "result": results.get(level["key"]),
                "to_date": last.to_date if last else None,
                "chart": trend_chart(
                    days,
                    target=Decimal(str(level["target"])),
                    direction=level["direction"],
                    unit=unit,
                    title=f"{level['name']}: daily values in {fmt.month(period)}",
                    fmt=fmt,
                )
                if any(d.value is not None for d in days)
                else None,
            }
        )
    return render(
        request,
        "service_levels.html",
        contract=contract,
        period=period,
        previous=previous_period(period),
        next=next_period(period),
        report=report,
        levels=shown,
    )


GRANULARITIES = ["day", "hour"]
CHANNELS = ["voice", "email", "chat", "sms", "social"]


@router.get("/contracts/{contract_id}/kpis")
async def kpi_explorer(
    request: Request,
    api: Api,
    user: CurrentUser,
    contract_id: str,
    period: str | None = None,
    day: str = "",
    queue: str = "",
    channel: str = "",
    threshold: int = 20,
) -> Response:
    """KPIs of a contract by day over a month, or by hour over one day; one queue, one
    channel, the answer threshold of the service level."""
    contract_id = check_id(contract_id)
    period = check_period(period) or datetime.now(UTC).strftime("%Y-%m")
    contract = await api.get(f"/v1/contracts/{contract_id}")
    if day:
        try:
            chosen = date.fromisoformat(day)
        except ValueError:
            raise HTTPException(404) from None
        start, end, granularity = chosen, chosen + timedelta(days=1), "hour"
    else:
        (start, end), granularity = month_bounds(period), "day"
    kpis = await api.get(
        "/v1/kpis",
        contract_id=contract_id,
        **{"from": start.isoformat(), "to": end.isoformat()},
        granularity=granularity,
        time_zone=contract["time_zone"],
        queue=queue or None,
        channel=channel if channel in CHANNELS else None,
        threshold=max(0, min(threshold, 3600)),
    )
    return render(
        request,
        "kpis.html",
        contract=contract,
        kpis=kpis,
        period=period,
        day=day,
        queue=queue,
        channel=channel,
        threshold=threshold,
        channels=CHANNELS,
        queues=(contract.get("scope") or {}).get("queues") or [],
        granularity=granularity,
    )


__all__ = ["ApiError", "router"]


@router.get("/sla-reports/{report_id}")
async def show_sla_report(
    request: Request, api: Api, user: CurrentUser, report_id: str
) -> Response:
    """An SLA report as frozen: each level's numerator, denominator, value and margin, its
    windows, and the other revisions of the same contract and month."""
    report = await api.get(f"/v1/sla-reports/{check_id(report_id)}")
    contract, revisions = await asyncio.gather(
        api.get(f"/v1/contracts/{report['contract_id']}"),
        api.get(
            "/v1/sla-reports", contract_id=report["contract_id"], period=report["period"], limit=50
        ),
    )
    names = {lv["key"]: lv for lv in contract.get("service_levels") or []}
    levels = [
        {
            **result,
            "name": names.get(result["key"], {}).get("name", result["key"]),
            "unit": unit_of(result["metric"], names.get(result["key"], {}).get("csat_mode")),
        }
        for result in report["results"]
    ]
    return render(
        request,
        "sla_report.html",
        report=report,
        contract=contract,
        levels=levels,
        revisions=revisions["items"],
    )

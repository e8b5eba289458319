"""Month end, for operator and finance users: the SLA reports of every contract in force,
then the invoice run, followed live (HTMX polls the progress), then issuing the drafts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from web.api import ApiError, Gateway
from web.auth import Api, CsrfChecked, require_roles
from web.pages.common import check_id, check_period, month_bounds, previous_period
from web.templating import render

router = APIRouter(dependencies=[require_roles("admin", "operator", "finance")])

NO_SERVICE_LEVELS = {"MSA", "NDA"}


async def contracts_in_force(api: Gateway, period: str) -> list[dict[str, Any]]:
    """In force on the month's first or last day (the union, as billing's run counts)."""
    start, end = month_bounds(period)
    last = end.toordinal() - 1
    found: dict[str, dict[str, Any]] = {}
    for day in (start.isoformat(), datetime.fromordinal(last).date().isoformat()):
        for contract in await api.all("/v1/contracts", status="active", active_on=day, pages=4):
            found[contract["id"]] = contract
    return list(found.values())


async def sla_reports(api: Gateway, period: str) -> list[str]:
    """Create (or read back: it is idempotent) each contract's SLA report; the problems."""
    contracts = [
        c for c in await contracts_in_force(api, period) if c["type"] not in NO_SERVICE_LEVELS
    ]
    limit = asyncio.Semaphore(4)
    problems: list[str] = []

    async def report(contract: dict[str, Any]) -> None:
        async with limit:
            try:
                await api.post("/v1/sla-reports", {"contract_id": contract["id"], "period": period})
            except ApiError as exc:
                problems.append(f"{contract['number']}: {exc.detail or exc.title}")

    await asyncio.gather(*(report(c) for c in contracts))
    return problems


@router.get("/month-end")
async def month_end(request: Request, api: Api, period: str | None = None) -> Response:
    default = previous_period(datetime.now(UTC).strftime("%Y-%m"))
    runs = await api.get("/v1/invoice-runs", limit=20)
    return render(
        request, "month_end.html", period=check_period(period) or default, runs=runs["items"]
    )


@router.post("/month-end", dependencies=[CsrfChecked])
async def start_month_end(request: Request, api: Api, period: Annotated[str, Form()]) -> Response:
    period = check_period(period) or ""
    problems = await sla_reports(api, period)
    run = await api.post("/v1/invoice-runs", {"period": period})
    if problems:
        request.session["flash"] = "Some SLA reports could not be made: " + "; ".join(problems)
    return RedirectResponse(f"/month-end/runs/{run['id']}", status_code=303)


async def _run_view(api: Gateway, run_id: str) -> dict[str, Any]:
    run = await api.get(f"/v1/invoice-runs/{run_id}")
    items: list[dict[str, Any]] = []
    invoices: dict[str, dict[str, Any]] = {}
    contracts: dict[str, dict[str, Any]] = {}
    if run["status"] != "running":
        items, drafts, in_force = await asyncio.gather(
            api.all(f"/v1/invoice-runs/{run_id}/items", pages=4),
            api.all("/v1/invoices", period=run["period"], pages=4),
            contracts_in_force(api, run["period"]),
        )
        invoices = {i["id"]: i for i in drafts}
        contracts = {c["id"]: c for c in in_force}
    return {"run": run, "items": items, "invoices": invoices, "contracts": contracts}


@router.get("/month-end/runs/{run_id}")
async def show_run(request: Request, api: Api, run_id: str) -> Response:
    view = await _run_view(api, check_id(run_id))
    return render(request, "run.html", **view)


@router.get("/month-end/runs/{run_id}/progress")
async def run_progress(request: Request, api: Api, run_id: str) -> Response:
    """The part of the run page HTMX refreshes every second while the run is going."""
    view = await _run_view(api, check_id(run_id))
    return render(request, "_run_progress.html", **view)

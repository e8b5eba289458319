"""Home: what needs attention — service levels at risk this month with the money at risk,
invoices overdue, contracts expiring or in notice."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.auth import Api, CurrentUser
from web.pages.common import check_period
from web.templating import render

router = APIRouter()


@router.get("/")
async def home(
    request: Request, api: Api, user: CurrentUser, period: str | None = None
) -> Response:
    today = datetime.now(UTC).date()
    period = check_period(period) or today.strftime("%Y-%m")
    issued, reminders = await asyncio.gather(
        api.all("/v1/invoices", status="issued", pages=4),
        api.get("/v1/contracts/reminders", within_days=60, limit=100),
    )
    overdue = [
        invoice
        for invoice in issued
        if invoice.get("due_date")
        and date.fromisoformat(invoice["due_date"]) < today
        and Decimal(invoice.get("balance") or "0") > 0
    ]
    overdue.sort(key=lambda invoice: invoice["due_date"])
    return render(
        request,
        "home.html",
        period=period,
        overdue=overdue,
        reminders=reminders["items"],
        today=today,
    )


@router.get("/home/risk")
async def service_levels_at_risk(
    request: Request, api: Api, user: CurrentUser, period: str | None = None
) -> Response:
    """The home page's risk section: projecting every contract's month takes the API a while,
    so the page shows at once and HTMX loads this part into it (or, without script, a link
    opens it as a page of its own)."""
    period = check_period(period) or datetime.now(UTC).strftime("%Y-%m")
    portfolio = await api.get("/v1/sla-risk/portfolio", period=period, limit=100)
    items = portfolio["items"]
    context = {
        "period": period,
        "portfolio": portfolio,
        "at_risk": [item for item in items if item["status"] in ("at_risk", "lost")],
        "not_projected": [item for item in items if item["status"] == "not_projected"],
    }
    if request.headers.get("hx-request"):
        return render(request, "_risk.html", **context)
    return render(request, "risk.html", **context)

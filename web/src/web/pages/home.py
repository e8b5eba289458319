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
    portfolio, issued, reminders = await asyncio.gather(
        api.get("/v1/sla-risk/portfolio", period=period, limit=100),
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
    at_risk = [item for item in portfolio["items"] if item["status"] in ("at_risk", "lost")]
    not_projected = [item for item in portfolio["items"] if item["status"] == "not_projected"]
    return render(
        request,
        "home.html",
        period=period,
        portfolio=portfolio,
        at_risk=at_risk,
        not_projected=not_projected,
        overdue=overdue,
        reminders=reminders["items"],
        today=today,
    )

"""Invoices: the list with filters, an invoice (lines, credit notes, payments, PDF), issuing a
draft, and the drill-down from a service credit to the contact records behind it:
credit → the SLA report and the level it cites → the days that missed → a day's hours →
a sample of that hour's contact records."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from web.auth import Api, CsrfChecked, CurrentUser, require_roles
from web.formatting import unit_of
from web.levels import fraction, kpi_query, matches_level, missed, record_missed, value_of
from web.pages.common import check_id, check_period, month_bounds
from web.pages.contracts import _relay
from web.templating import render

router = APIRouter()

STATUSES = ["draft", "issued", "paid", "void"]
SAMPLE = 25


@router.get("/invoices")
async def list_invoices(
    request: Request,
    api: Api,
    user: CurrentUser,
    status: str = "",
    period: str = "",
    client_id: str = "",
    contract_id: str = "",
    number: str = "",
    cursor: str = "",
) -> Response:
    status = status if status in STATUSES else ""
    contract_id = check_id(contract_id) if contract_id else ""
    period = check_period(period) or ""
    client_id = check_id(client_id) if client_id else ""
    page, clients = await asyncio.gather(
        api.get(
            "/v1/invoices",
            status=status,
            period=period,
            client_id=client_id,
            contract_id=contract_id,
            number=number.strip(),
            cursor=cursor,
            limit=50,
        ),
        api.all("/v1/organizations", kind="client", pages=2) if not user.is_client else _none(),
    )
    return render(
        request,
        "invoices.html",
        page=page,
        status=status,
        period=period,
        client_id=client_id,
        contract_id=contract_id,
        number=number,
        statuses=STATUSES,
        clients=clients or [],
    )


async def _none() -> None:
    return None


@router.get("/invoices/{invoice_id}")
async def show_invoice(request: Request, api: Api, user: CurrentUser, invoice_id: str) -> Response:
    invoice_id = check_id(invoice_id)
    invoice = await api.get(f"/v1/invoices/{invoice_id}")
    return render(request, "invoice.html", invoice=invoice)


@router.get("/invoices/{invoice_id}/pdf")
async def invoice_pdf(request: Request, api: Api, user: CurrentUser, invoice_id: str) -> Response:
    invoice_id = check_id(invoice_id)
    return await _relay(api, f"/v1/invoices/{invoice_id}/pdf", f"invoice-{invoice_id}.pdf")


@router.get("/credit-notes/{credit_note_id}/pdf")
async def credit_note_pdf(
    request: Request, api: Api, user: CurrentUser, credit_note_id: str
) -> Response:
    credit_note_id = check_id(credit_note_id)
    return await _relay(
        api, f"/v1/credit-notes/{credit_note_id}/pdf", f"credit-note-{credit_note_id}.pdf"
    )


@router.post(
    "/invoices/{invoice_id}/issue",
    dependencies=[CsrfChecked, require_roles("admin", "operator", "finance")],
)
async def issue_invoice(
    request: Request,
    api: Api,
    invoice_id: str,
    back: Annotated[str, Form()] = "",
) -> Response:
    invoice_id = check_id(invoice_id)
    issued = await api.post(f"/v1/invoices/{invoice_id}/issue", {})
    request.session["flash"] = f"Invoice {issued.get('number')} issued."
    target = (
        back if back.startswith("/") and not back.startswith("//") else f"/invoices/{invoice_id}"
    )
    return RedirectResponse(target, status_code=303)


def _day_range(day: date, zone: str) -> tuple[str, str]:
    tz = ZoneInfo(zone)
    start = datetime.combine(day, datetime.min.time(), tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
    return start.isoformat(), end.isoformat()


def _points(buckets: list[dict[str, Any]], level: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for bucket in buckets:
        counted = fraction(bucket, level)
        num, den = counted if counted else (0, 0)
        value = value_of(num, den, level.get("metric"))
        rows.append(
            {
                "start": bucket["start"],
                "numerator": num,
                "denominator": den,
                "value": value,
                "missed": missed(value, level["target"], level.get("direction")),
            }
        )
    return rows


@router.get("/invoices/{invoice_id}/credits/{sla_key}")
async def credit_drill_down(
    request: Request,
    api: Api,
    user: CurrentUser,
    invoice_id: str,
    sla_key: str,
    day: str = "",
    hour: str = "",
) -> Response:
    invoice_id = check_id(invoice_id)
    invoice = await api.get(f"/v1/invoices/{invoice_id}")
    line = next(
        (ln for ln in invoice["lines"] if ln.get("sla_key") == sla_key and ln.get("report_id")),
        None,
    )
    if line is None:
        raise HTTPException(404)
    report, contract = await asyncio.gather(
        api.get(f"/v1/sla-reports/{line['report_id']}"),
        api.get(f"/v1/contracts/{invoice['contract_id']}"),
    )
    result = next((r for r in report["results"] if r["key"] == sla_key), None)
    level = next((lv for lv in contract.get("service_levels") or [] if lv["key"] == sla_key), None)
    if result is None or level is None:
        raise HTTPException(404)
    level = {**level, "target": result.get("target", level["target"])}
    zone = report.get("time_zone") or contract["time_zone"]
    start, end = month_bounds(report["period"])
    days = await api.get(
        "/v1/kpis",
        contract_id=contract["id"],
        **{"from": start.isoformat(), "to": end.isoformat()},
        granularity="day",
        time_zone=zone,
        **kpi_query(level),
    )
    day_rows = _points(days["buckets"], level)
    hours_rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    chosen_day = None
    chosen_hour = None
    if day:
        try:
            chosen_day = date.fromisoformat(day)
        except ValueError:
            raise HTTPException(404) from None
        day_from, day_to = _day_range(chosen_day, zone)
        hours = await api.get(
            "/v1/kpis",
            contract_id=contract["id"],
            **{"from": day_from, "to": day_to},
            granularity="hour",
            time_zone=zone,
            **kpi_query(level),
        )
        hours_rows = _points(hours["buckets"], level)
        if hour:
            if not hour.isdigit() or int(hour) > 23:
                raise HTTPException(404)
            chosen_hour = int(hour)
            moment = datetime.combine(chosen_day, datetime.min.time(), ZoneInfo(zone))
            moment += timedelta(hours=chosen_hour)
            page = await api.get(
                "/v1/contact-records",
                contract_id=contract["id"],
                **{
                    "from": moment.isoformat(),
                    "to": (moment + timedelta(hours=1)).isoformat(),
                },
                limit=500,
            )
            relevant = [r for r in page["items"] if matches_level(r, level)]
            relevant.sort(key=lambda r: not record_missed(r, level))
            records = [{**r, "missed": record_missed(r, level)} for r in relevant[:SAMPLE]]
    return render(
        request,
        "credit.html",
        invoice=invoice,
        line=line,
        report=report,
        result=result,
        level=level,
        unit=unit_of(level["metric"], level.get("csat_mode"), result.get("unit")),
        contract=contract,
        zone=zone,
        days=day_rows,
        hours=hours_rows,
        day=chosen_day,
        hour=chosen_hour,
        records=records,
        sample=SAMPLE,
    )

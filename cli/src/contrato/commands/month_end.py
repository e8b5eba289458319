"""`contrato month-end --period YYYY-MM`: SLA reports, then the invoice run, per contract.

1. The contracts in force in the period: ``GET /v1/contracts?status=active&active_on=`` on the
   period's first and last day (the union, as billing's run does), or the ``--contract`` ids.
2. For each (but MSAs and NDAs, which carry no service levels) the SLA report
   ``POST /v1/sla-reports`` — created on first call, the stored one after (idempotent).
3. Invoices: without ``--contract``, the month-end run ``POST /v1/invoice-runs`` (a run
   already started for the period is resumed), followed with ``GET /v1/invoice-runs/{id}``
   until it ends; with ``--contract``, each contract's draft is made or recomputed with
   ``POST /v1/invoices`` (a run always covers every contract).
4. A table per contract: SLA met / missed / no data, invoice, total, done / failed / skipped
   and why. Exit code 1 when any contract failed.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from contrato.commands.api import (
    DEFAULT_GATEWAY,
    EXIT_API,
    ApiError,
    DataDir,
    Gateway,
    GatewayUrl,
    JsonOut,
    TokenOpt,
    connect,
    default_data_dir,
    err,
    fail,
    fail_usage,
    out,
    print_json,
    progress_wanted,
)
from contrato.commands.api import contract_id as resolve_contract

NO_SERVICE_LEVELS = {"MSA", "NDA"}


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a YYYY-MM period (ValueError when it is not one)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(period)
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _progress(label: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not progress_wanted(),
    )


def _row(contract: dict[str, Any]) -> dict[str, Any]:
    return {
        "contract_id": str(contract["id"]),
        "number": contract.get("number"),
        "title": contract.get("title"),
        "type": contract.get("type"),
        "client": contract.get("client_name") or contract.get("client_id"),
        "sla_report_id": None,
        "sla": None,
        "sla_error": None,
        "invoice_id": None,
        "invoice_number": None,
        "total": None,
        "currency": contract.get("currency"),
        "status": "pending",
        "reason": None,
    }


def contracts_in_force(api: Gateway, first: date, last: date) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for day in (first, last):
        for item in api.pages("/v1/contracts", status="active", active_on=day.isoformat()):
            found.setdefault(str(item["id"]), item)
    return list(found.values())


def sla_reports(api: Gateway, rows: list[dict[str, Any]], period: str) -> None:
    with _progress("SLA reports") as progress:
        task = progress.add_task("", total=len(rows))
        for row in rows:
            progress.update(task, description=row["number"] or row["contract_id"])
            if row["type"] in NO_SERVICE_LEVELS:
                row["sla_error"] = f"{row['type']}: no service levels"
            else:
                try:
                    report = api.post(
                        "/v1/sla-reports",
                        {"contract_id": row["contract_id"], "period": period, "recompute": False},
                    )
                except ApiError as exc:
                    if exc.status is None:
                        raise  # the gateway is gone: no point going on
                    row["sla_error"] = exc.short()
                else:
                    row["sla_report_id"] = report["id"]
                    statuses = [r.get("status") for r in report.get("results", [])]
                    row["sla"] = {s: statuses.count(s) for s in ("met", "missed", "no_data")}
            progress.advance(task)


def invoice_run(
    api: Gateway, rows: list[dict[str, Any]], period: str, poll: float, timeout: float
) -> dict[str, Any]:
    """Start (or resume) the period's run and follow it to the end."""
    run = api.post("/v1/invoice-runs", {"period": period})
    deadline = time.monotonic() + timeout
    with _progress("invoice run") as progress:
        task = progress.add_task("", total=None)
        while True:
            counts = run.get("progress", {})
            progress.update(
                task,
                total=counts.get("total") or None,
                completed=sum(counts.get(k, 0) for k in ("done", "failed", "skipped")),
                description=f"{counts.get('failed', 0)} failed, {counts.get('skipped', 0)} skipped",
            )
            if run["status"] != "running":
                break
            if time.monotonic() > deadline:
                raise ApiError(
                    f"invoice run {run['id']} still running after {timeout:.0f} s; "
                    "run the same command again to follow it (it resumes)"
                )
            time.sleep(poll)
            try:
                run = api.get(f"/v1/invoice-runs/{run['id']}")
            except ApiError as exc:
                exc.errors.append(
                    f"invoice run {run['id']} goes on in the billing service: "
                    "run the same command again to follow it"
                )
                raise
    if run["status"] == "failed":
        raise ApiError(f"invoice run {run['id']} failed: {run.get('reason') or 'no reason given'}")
    by_id = {row["contract_id"]: row for row in rows}
    for item in api.pages(f"/v1/invoice-runs/{run['id']}/items"):
        row = by_id.get(str(item["contract_id"]))
        if row is None:  # in the run but not found in force by us (e.g. listed by billing only)
            row = _row({"id": item["contract_id"]})
            rows.append(row)
            by_id[row["contract_id"]] = row
        row["status"] = item["status"]
        row["reason"] = item.get("reason")
        row["invoice_id"] = str(item["invoice_id"]) if item.get("invoice_id") else None
    invoices = {str(i["id"]): i for i in api.pages("/v1/invoices", period=period)}
    for row in rows:
        if row["status"] == "pending":
            row["status"], row["reason"] = "skipped", "not in the invoice run"
        invoice = invoices.get(row["invoice_id"] or "")
        if invoice:
            _take_invoice(row, invoice)
    return run


def _take_invoice(row: dict[str, Any], invoice: dict[str, Any]) -> None:
    row["invoice_id"] = str(invoice["id"])
    row["invoice_number"] = invoice.get("number")
    row["total"] = invoice.get("total")
    row["currency"] = invoice.get("currency")
    row["number"] = row["number"] or invoice.get("contract_number")


def draft_each(api: Gateway, rows: list[dict[str, Any]], period: str) -> None:
    """``--contract``: make or recompute each contract's draft, one by one."""
    with _progress("invoices") as progress:
        task = progress.add_task("", total=len(rows))
        for row in rows:
            try:
                response = api.request(
                    "POST",
                    "/v1/invoices",
                    json={"contract_id": row["contract_id"], "period": period},
                )
            except ApiError as exc:
                if exc.status is None:
                    raise
                # a refusal (no plan, not in service, already issued) is a skip; the rest a failure
                row["status"] = "skipped" if exc.status in (404, 409, 422) else "failed"
                row["reason"] = exc.short()
            else:
                row["status"] = "done"
                row["reason"] = response.headers.get("x-draft-outcome", "drafted")
                _take_invoice(row, response.json())
            progress.advance(task)


def month_end(
    period: Annotated[str, typer.Option(help="The month to close, YYYY-MM", show_default=False)],
    contract: Annotated[
        list[str] | None,
        typer.Option(
            "--contract",
            help="Only this contract, by id or number (repeatable); drafts its invoice "
            "instead of a full run",
            show_default=False,
        ),
    ] = None,
    poll_interval: Annotated[
        float, typer.Option(min=0.05, help="Seconds between progress checks of the run")
    ] = 1.0,
    timeout: Annotated[
        float, typer.Option(min=1, help="Give up following the run after this many seconds")
    ] = 900,
    preview: Annotated[
        bool,
        typer.Option(
            help="Run a month that has not ended yet (its figures are provisional; run it "
            "again once it has ended)"
        ),
    ] = False,
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Close a month: the SLA report of every contract in force, then the invoice run."""
    try:
        first, last = period_bounds(period)
    except ValueError:
        fail_usage(f"--period must be YYYY-MM, not {period!r}")
    # A day later than the last: the month has ended in every time zone.
    if last + timedelta(days=1) >= datetime.now(UTC).date() and not preview:
        fail_usage(
            f"{period} has not ended (its last day is {last}): its SLA reports and invoices "
            "would be provisional. Pass --preview to run it anyway, or wait until it ends."
        )
    api = connect(gateway, token, data_dir)
    run: dict[str, Any] | None = None
    try:
        if contract:
            ids = dict.fromkeys(resolve_contract(api, ref) for ref in contract)
            rows = [_row(api.get(f"/v1/contracts/{cid}")) for cid in ids]
        else:
            rows = [_row(c) for c in contracts_in_force(api, first, last)]
        if rows:
            sla_reports(api, rows, period)
        if contract:
            draft_each(api, rows, period)
        else:
            run = invoice_run(api, rows, period, poll_interval, timeout)
    except ApiError as exc:
        fail(exc)
    finally:
        api.close()
    failed = [row for row in rows if row["status"] == "failed"]
    if as_json:
        print_json({"period": period, "run": run, "contracts": rows})
    else:
        _print_table(period, run, rows)
    if failed:
        err.print(f"[red]{len(failed)} contract(s) failed[/]: see the reasons above")
        raise typer.Exit(EXIT_API)


def _print_table(period: str, run: dict[str, Any] | None, rows: list[dict[str, Any]]) -> None:
    if run:
        counts = run.get("progress", {})
        out.print(
            f"Invoice run {run['id']} for {period}: {run['status']} — "
            f"{counts.get('done', 0)} done, {counts.get('failed', 0)} failed, "
            f"{counts.get('skipped', 0)} skipped",
            soft_wrap=True,
        )
    if not rows:
        out.print(f"No contract in force in {period}.")
        return
    table = Table(title=f"Month end {period}")
    table.add_column("contract", no_wrap=True)
    table.add_column("client", overflow="fold")
    table.add_column("SLA met/missed/none", overflow="fold")
    table.add_column("invoice", overflow="fold")
    table.add_column("total", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("reason", overflow="fold")
    colors = {"done": "green", "failed": "red", "skipped": "yellow"}
    for row in rows:
        sla = row["sla"]
        sla_text = (
            f"{sla['met']} / {sla['missed']} / {sla['no_data']}"
            if sla
            else f"[dim]{escape(row['sla_error'] or '—')}[/]"
        )
        color = colors.get(row["status"], "white")
        table.add_row(
            escape(str(row["number"] or row["contract_id"])),
            escape(str(row["client"] or "")),
            sla_text,
            escape(row["invoice_number"] or row["invoice_id"] or "—"),
            f"{row['total']} {row['currency'] or ''}".strip() if row["total"] else "—",
            f"[{color}]{row['status']}[/]",
            escape(row["reason"] or ""),
        )
    out.print(table)

"""`contrato invoices issue|list|pdf`: issue drafts, list invoices, save PDFs."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
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
    reporting,
)
from contrato.commands.api import contract_id as resolve_contract
from contrato.commands.api import invoice_id as resolve_invoice

app = typer.Typer(help="Invoices: issue drafts, list, save PDFs.", no_args_is_help=True)


def save_pdf(api: Gateway, invoice_id: str, path: Path) -> int:
    """Write the invoice's PDF to ``path``; its size in bytes."""
    response = api.request("GET", f"/v1/invoices/{invoice_id}/pdf")
    if not response.content.startswith(b"%PDF"):
        raise ApiError(f"the answer for invoice {invoice_id} is not a PDF")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(response.content)
    return len(response.content)


def _file_name(invoice: dict[str, Any]) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", invoice.get("number") or str(invoice["id"])) + ".pdf"


@app.command("issue")
def issue(
    invoice_ids: Annotated[
        list[str],
        typer.Argument(help="Draft invoice ids", show_default=False, metavar="ID..."),
    ],
    issue_date: Annotated[
        str | None,
        typer.Option(help="Issue date YYYY-MM-DD (default today)", show_default=False),
    ] = None,
    pdf_dir: Annotated[
        Path | None,
        typer.Option(
            file_okay=False, help="Save each issued invoice's PDF here", show_default=False
        ),
    ] = None,
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Issue draft invoices: each gets the next number and a due date and is final from then
    on. Goes on with the others when one fails; exit code 1 if any failed."""
    body: dict[str, Any] = {}
    if issue_date is not None:
        try:
            body["issue_date"] = date.fromisoformat(issue_date).isoformat()
        except ValueError:
            fail_usage(f"--issue-date must be YYYY-MM-DD, not {issue_date!r}")
    api = connect(gateway, token, data_dir)
    results: list[dict[str, Any]] = []
    fatal: ApiError | None = None  # the gateway is gone: stop, but report what was done
    try:
        for invoice_id in dict.fromkeys(invoice_ids):
            result: dict[str, Any] = {"id": invoice_id, "ok": False}
            try:
                invoice_id = result["id"] = resolve_invoice(api, invoice_id)
                invoice = api.post(f"/v1/invoices/{invoice_id}/issue", body)
            except ApiError as exc:
                if exc.status is None:
                    fatal = exc
                    break
                result["error"] = exc.short()
            else:
                result.update(
                    ok=True,
                    number=invoice.get("number"),
                    issue_date=invoice.get("issue_date"),
                    due_date=invoice.get("due_date"),
                    total=invoice.get("total"),
                    currency=invoice.get("currency"),
                )
                if pdf_dir is not None:
                    path = pdf_dir / _file_name(invoice)
                    try:
                        save_pdf(api, invoice_id, path)
                        result["pdf"] = str(path)
                    except ApiError as exc:
                        fatal = exc if exc.status is None else None
                        result["pdf_error"] = exc.short()
                    except OSError as exc:
                        result["pdf_error"] = f"cannot write {path}: {exc.strerror}"
            results.append(result)
            if not as_json:
                _print_issued(result)
            if fatal:
                break
    finally:
        api.close()
    if as_json:
        print_json(results)
    if fatal:
        fail(fatal)
    failed = sum(not r["ok"] for r in results)
    no_pdf = sum("pdf_error" in r for r in results)
    if failed:
        err.print(f"[red]{failed} of {len(results)} invoice(s) not issued[/]")
    if no_pdf:
        err.print(f"[red]{no_pdf} issued invoice(s) without their PDF[/]: `contrato invoices pdf`")
    if failed or no_pdf:
        raise typer.Exit(EXIT_API)


def _print_issued(result: dict[str, Any]) -> None:
    if not result["ok"]:
        err.print(f"[red]{escape(result['id'])}[/]: {escape(result['error'])}", soft_wrap=True)
        return
    line = (
        f"{escape(result['id'])} → [bold]{escape(result['number'] or '?')}[/]  "
        f"issued {result['issue_date']}, due {result['due_date']}, "
        f"{result['total']} {result['currency']}"
    )
    if "pdf" in result:
        line += f"  PDF: {escape(result['pdf'])}"
    out.print(line, soft_wrap=True)
    if "pdf_error" in result:
        err.print(f"  [red]PDF not saved[/]: {escape(result['pdf_error'])}", soft_wrap=True)


@app.command("list")
def list_(
    period: Annotated[str | None, typer.Option(help="YYYY-MM", show_default=False)] = None,
    status: Annotated[
        str | None,
        typer.Option(help="draft, issued, paid, void", show_default=False),
    ] = None,
    client: Annotated[
        str | None, typer.Option("--client", help="Client organization id", show_default=False)
    ] = None,
    contract: Annotated[
        str | None,
        typer.Option("--contract", help="Contract id or number (CT-…)", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many invoices")] = 500,
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """List invoices in creation order, filtered by period, status, client or contract."""
    if period is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        fail_usage(f"--period must be YYYY-MM, not {period!r}")
    api = connect(gateway, token, data_dir)
    items: list[dict[str, Any]] = []
    with reporting():
        try:
            for item in api.pages(
                "/v1/invoices",
                limit=min(limit, 500),
                period=period,
                status=status,
                client_id=client,
                contract_id=resolve_contract(api, contract) if contract else None,
            ):
                items.append(item)
                if len(items) >= limit:
                    break
        finally:
            api.close()
    if as_json:
        print_json(items)
        return
    if not items:
        out.print("No invoice matches.")
        return
    table = Table()
    # An issued invoice is known by its number; a draft has none yet, so by its id.
    for name in ("invoice", "status", "period", "contract", "total", "balance", "due"):
        table.add_column(
            name,
            justify="right" if name in ("total", "balance") else "left",
            overflow="fold",
        )
    for item in items:
        table.add_row(
            escape(item.get("number") or str(item["id"])),
            item["status"],
            item["period"],
            escape(item.get("contract_number") or str(item["contract_id"])),
            f"{item['total']} {item['currency']}",
            str(item.get("balance", "")),
            str(item.get("due_date") or "—"),
        )
    out.print(table)


@app.command("pdf")
def pdf(
    invoice_id: Annotated[
        str, typer.Argument(help="Invoice id or number (INV-…)", show_default=False)
    ],
    out_file: Annotated[
        Path, typer.Option("--out", dir_okay=False, help="Where to save it", show_default=False)
    ],
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Save an invoice's PDF."""
    api = connect(gateway, token, data_dir)
    with reporting():
        try:
            size = save_pdf(api, resolve_invoice(api, invoice_id), out_file)
        finally:
            api.close()
    if as_json:
        print_json({"id": invoice_id, "pdf": str(out_file), "bytes": size})
    else:
        out.print(f"saved {escape(str(out_file))} ({size:,} bytes)", soft_wrap=True)

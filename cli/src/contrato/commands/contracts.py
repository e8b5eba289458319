"""`contrato contracts expiring`: notice deadlines and ends coming up."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from contrato.commands.api import (
    DEFAULT_GATEWAY,
    DataDir,
    GatewayUrl,
    JsonOut,
    TokenOpt,
    connect,
    default_data_dir,
    fail_usage,
    out,
    print_json,
    reporting,
)

app = typer.Typer(help="Contracts: reminders of what is coming up.", no_args_is_help=True)

KINDS = {"notice_deadline": "last day to give notice", "end": "ends"}


@app.command("expiring")
def expiring(
    within_days: Annotated[
        int, typer.Option(min=0, max=3650, help="Deadlines and ends within this many days")
    ] = 30,
    as_of: Annotated[
        str | None,
        typer.Option(help="Count the days from this day, YYYY-MM-DD (default today)"),
    ] = None,
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Contracts whose notice deadline or end falls within N days (the reminders list)."""
    if as_of is not None:
        try:
            date.fromisoformat(as_of)
        except ValueError:
            fail_usage(f"--as-of must be YYYY-MM-DD, not {as_of!r}")
    api = connect(gateway, token, data_dir)
    with reporting():
        try:
            items: list[dict[str, Any]] = list(
                api.pages("/v1/contracts/reminders", within_days=within_days, today=as_of)
            )
        finally:
            api.close()
    if as_json:
        print_json(items)
        return
    if not items:
        out.print(f"Nothing due within {within_days} days.")
        return
    table = Table(title=f"Due within {within_days} days")
    for name in ("due on", "days left", "what", "contract", "title", "client", "status"):
        table.add_column(name, justify="right" if name == "days left" else "left", overflow="fold")
    for item in sorted(items, key=lambda i: (i["due_on"], i["contract"]["number"])):
        contract = item["contract"]
        table.add_row(
            str(item["due_on"]),
            str(item["days_left"]),
            KINDS.get(item["kind"], item["kind"]),
            escape(contract["number"]),
            escape(contract["title"]),
            escape(contract.get("client_name") or str(contract["client_id"])),
            str(contract.get("status") or contract.get("stage") or ""),
        )
    out.print(table)

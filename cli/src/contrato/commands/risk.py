"""`contrato risk`: every contract's service levels projected to the month's end, worst first,
with the money at risk (the portfolio view of `GET /v1/sla-risk/portfolio`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
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

STYLES = {"lost": "bold red", "at_risk": "yellow", "on_track": "green", "secured": "bold green"}
LABELS = {
    "lost": "lost",
    "at_risk": "at risk",
    "on_track": "on track",
    "secured": "secured",
    "not_projected": "not projected",
}


def risk(
    period: Annotated[
        str | None, typer.Option(help="The month, YYYY-MM (default: this month)")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="Project from this moment, ISO 8601 with offset (default now)"),
    ] = None,
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Contracts whose service levels are at risk this month, worst first, with the money."""
    if period is None:
        period = f"{datetime.now(UTC):%Y-%m}"
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        fail_usage(f"--period must be YYYY-MM, not {period!r}")
    if as_of is not None:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError:
            fail_usage(f"--as-of must be an ISO 8601 moment, not {as_of!r}")
        if moment.tzinfo is None:
            fail_usage("--as-of needs an offset, e.g. 2026-10-10T18:00:00-03:00")
    api = connect(gateway, token, data_dir)
    items: list[dict[str, Any]] = []
    with reporting():
        try:
            cursor: str | None = None
            while True:  # the whole ranking is computed on every page: ask for big pages
                page = api.get(
                    "/v1/sla-risk/portfolio", period=period, as_of=as_of, limit=500, cursor=cursor
                )
                items += page["items"]
                cursor = page.get("next_cursor")
                if not cursor:
                    break
        finally:
            api.close()
    if as_json:
        print_json({**page, "items": items, "next_cursor": None})
        return
    if not items:
        out.print(f"No contract in service in {period}.")
        return
    table = Table(title=f"Service levels at risk, {period}" + (f" as of {as_of}" if as_of else ""))
    for name in (
        "contract",
        "client",
        "status",
        "levels at risk",
        "lowest P(met)",
        "money at risk",
    ):
        right = name in ("levels at risk", "lowest P(met)", "money at risk")
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for item in items:
        status = item["status"]
        probability = item["lowest_probability"]
        money = item["money_at_risk"]
        table.add_row(
            escape(item.get("contract_number") or str(item["contract_id"])),
            escape(item.get("client_name") or str(item["client_id"])),
            f"[{STYLES.get(status, '')}]{LABELS.get(status, status)}[/]"
            if status in STYLES
            else LABELS.get(status, status),
            str(item["levels_at_risk"]),
            "" if probability is None else f"{probability:.0%}",
            "" if money is None else f"{money} {item['currency']}",
        )
    out.print(table)
    for total in page["totals"]:
        out.print(f"Money at risk: {total['money_at_risk']} {total['currency']}")

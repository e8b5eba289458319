"""`contrato sources …`: the telephony platforms that push contact records.

A source belongs to one client (its records are that client's) or to the operator; a partner's
token registers and writes only its own client's sources."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from contrato.commands.api import (
    DEFAULT_GATEWAY,
    DataDir,
    GatewayUrl,
    JsonOut,
    TokenOpt,
    connect,
    default_data_dir,
    out,
    print_json,
    reporting,
)

app = typer.Typer(help="Sources: the telephony platforms that push contact records.")

KINDS = ("api", "csv", "amazon_connect", "asterisk", "genesys", "five9", "other")


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Lower-case name, e.g. acme-connect")],
    kind: Annotated[str, typer.Option(help=f"Platform kind: {', '.join(KINDS)}")] = "api",
    client: Annotated[
        str | None,
        typer.Option("--client", help="Client organization id whose records it carries"),
    ] = None,
    description: Annotated[str | None, typer.Option(help="Free text")] = None,
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Register a source; then `contrato import FILE --source NAME` imports through it."""
    api = connect(gateway, token, data_dir)
    body = {"name": name, "kind": kind, "client_id": client, "description": description}
    with reporting():
        created = api.post("/v1/sources", {k: v for k, v in body.items() if v is not None})
    if as_json:
        print_json(created)
        return
    owner = created.get("client_id") or "the operator"
    out.print(f"registered source {created['name']} ({created['kind']}) for {owner}")


@app.command("list")
def list_(
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """List the sources you may see."""
    api = connect(gateway, token, data_dir)
    with reporting():
        items = list(api.pages("/v1/sources", limit=500))
    if as_json:
        print_json(items)
        return
    table = Table()
    for column in ("name", "kind", "client", "description"):
        table.add_column(column, overflow="fold")
    for item in items:
        table.add_row(
            item["name"],
            item["kind"],
            str(item.get("client_id") or "operator"),
            item.get("description") or "",
        )
    out.print(table)

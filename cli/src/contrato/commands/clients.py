"""`contrato clients …`: API clients for partner systems (OAuth2 client credentials)."""

from __future__ import annotations

from typing import Annotated

import typer

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
from shared.auth import Role

app = typer.Typer(help="API clients for partner systems (OAuth2 client credentials).")


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who the client is, e.g. 'Acme Amazon Connect'")],
    role: Annotated[Role, typer.Option(help="Role of its tokens")] = Role.partner,
    client: Annotated[
        str | None, typer.Option("--client", help="Tenant: client organization id")
    ] = None,
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Create an API client; its secret is printed once."""
    api = connect(gateway, token, data_dir)
    with reporting():
        created = api.post(
            "/v1/api-clients", {"name": name, "role": role.value, "tenant_client_id": client}
        )
    if as_json:
        print_json(created)
        return
    out.print(f"client_id:     {created['client_id']}")
    out.print(f"client_secret: {created['client_secret']}   [yellow](shown once)[/]")
    out.print(
        f"token:         curl -u {created['client_id']}:SECRET "
        f"-d grant_type=client_credentials {gateway}/oauth/token",
        soft_wrap=True,
    )


@app.command("list")
def list_(
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """List API clients."""
    api = connect(gateway, token, data_dir)
    with reporting():
        items = list(api.pages("/v1/api-clients", limit=500))
    if as_json:
        print_json(items)
        return
    for item in items:
        tenant = item["tenant_client_id"] or "operator-wide"
        out.print(
            f"{item['id']}  {item['client_id']}  {item['role']:<8} {item['status']:<8} "
            f"{tenant}  {item['name']}",
            soft_wrap=True,
            markup=False,
        )


@app.command("revoke")
def revoke(
    api_client_id: Annotated[str, typer.Argument(help="The API client's id (not client_id)")],
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Revoke an API client: no new tokens, and its live tokens stop working."""
    api = connect(gateway, token, data_dir)
    with reporting():
        revoked = api.post(f"/v1/api-clients/{api_client_id}/revoke")
    if as_json:
        print_json(revoked)
        return
    out.print(f"{revoked['client_id']} revoked at {revoked['revoked_at']}")


@app.command("rotate")
def rotate(
    api_client_id: Annotated[str, typer.Argument(help="The API client's id (not client_id)")],
    grace: Annotated[int, typer.Option(help="Seconds the old secret keeps working")] = 0,
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Issue a new secret for an API client; printed once."""
    api = connect(gateway, token, data_dir)
    with reporting():
        rotated = api.post(
            f"/v1/api-clients/{api_client_id}/rotate-secret", {"grace_seconds": grace}
        )
    if as_json:
        print_json(rotated)
        return
    out.print(f"client_secret: {rotated['client_secret']}   [yellow](shown once)[/]")

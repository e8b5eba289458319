"""The ``contrato`` command line."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import warnings
from pathlib import Path
from types import FrameType
from typing import Annotated

import httpx
import typer
from rich.console import Console

from contrato.commands import clients, contracts, imports, invoices, month_end, risk, sources
from contrato.commands.api import GatewayUrl, UsageError, fail_usage, local_admin_token
from contrato.platform import (
    GATEWAY,
    ROOT,
    SERVICES,
    WEB,
    Platform,
    Processes,
    ensure_keys,
    wait_ready,
)
from shared.auth import Role, generate_key_pair, mint_token

# The embedded PostgreSQL's helper asks for a runtime directory a server shell may lack; it
# falls back to /tmp by itself, so the warning is noise on the console a person reads.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")

app = typer.Typer(
    help="Contrato: run the platform, import records, close the month, issue invoices.",
    no_args_is_help=True,
)
console = Console(stderr=True)

DataDir = Annotated[
    Path, typer.Option(envvar="CONTRATO_DATA_DIR", help="Where the embedded database and keys live")
]


def _default_data_dir() -> Path:
    return ROOT / ".data"


@app.command()
def up(
    data_dir: DataDir = _default_data_dir(),
    host: Annotated[str, typer.Option(envvar="CONTRATO_HOST")] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            envvar="CONTRATO_PORT",
            help="Gateway port; the services and the web console use the next four",
        ),
    ] = 8000,
) -> None:
    """Start everything: database (embedded unless DATABASE_URL is set), migrations, the three
    services, the gateway and the web console. Ctrl-C stops it all."""
    stop = threading.Event()

    def on_signal(signum: int, _: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    platform = Platform(data_dir, os.environ.get("CONTRATO_DATABASE_PREFIX", "contrato_"))
    logs_on_console = os.environ.get("CONTRATO_LOGS", "file").lower() == "console"
    processes = Processes(None if logs_on_console else data_dir / "logs")
    try:
        console.print("[bold]Contrato[/]: preparing databases …")
        platform.prepare()
        env = {**os.environ, **ensure_keys(data_dir)}
        for service in SERVICES:
            env[f"GATEWAY_{service.name.upper()}_URL"] = (
                f"http://{host}:{port + service.port_offset}"
            )
            env[f"{service.name.upper()}_CONTRACTS_URL"] = f"http://{host}:{port + 1}"
            env[f"{service.name.upper()}_METRICS_URL"] = f"http://{host}:{port + 2}"
        env["GATEWAY_WEB_URL"] = f"http://{host}:{port + WEB.port_offset}"
        env["WEB_GATEWAY_URL"] = f"http://{host}:{port}"
        for service in [*SERVICES, GATEWAY, WEB]:
            service_env = dict(env)
            if service.name in platform.urls:
                service_env[f"{service.name.upper()}_DATABASE_URL"] = platform.urls[service.name]
            processes.start(service, host, port + service.port_offset, service_env)
        wait_ready(f"http://{host}:{port}/readyz", processes)
        wait_ready(f"http://{host}:{port + WEB.port_offset}/healthz", processes)
        gateway = f"http://{host}:{port}"
        if os.environ.get("CONTRATO_SEED", "on").lower() not in ("off", "0", "false", "no"):
            _first_start_demo(gateway, data_dir, env, stop)
        # Short lines, printed as they are: a banner that wraps is a banner nobody reads.
        banner = [
            f"[green]Contrato is up.[/] Gateway: {gateway}",
            f"  Console:   {gateway}/",
            f"  API docs:  {gateway}/docs",
            "  A token:   ./contrato token --role admin",
            f"  Logs:      {_shown(processes.log_dir) if processes.log_dir else 'on this console'}",
            "  Ctrl-C stops everything.",
        ]
        for line in banner:
            console.print(line, soft_wrap=True)
        reported: set[str] = set()
        while not stop.wait(0.5):
            # A crashed service is reported, not fatal: the gateway answers 503 for its routes
            # while the rest keeps working, as it would in production.
            for failure in processes.failures():
                if failure not in reported:
                    reported.add(failure)
                    console.print(f"[red]{failure}[/]: its routes answer 503; restart to recover")
    except RuntimeError as exc:
        console.print(f"[red]failed to start:[/] {exc}")
        raise typer.Exit(1) from exc
    finally:
        console.print("stopping …")
        processes.stop()
        platform.stop()
        console.print("stopped.")


def _shown(path: Path) -> str:
    """``path`` relative to where the user stands when it is below it: shorter to read."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _first_start_demo(
    gateway: str, data_dir: Path, env: dict[str, str], stop: threading.Event
) -> None:
    """On empty databases, load the demo quarter; a failure leaves the platform running."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("CONTRATO_JWT")})
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C may stop the seeding
    try:
        load_demo(
            gateway,
            local_admin_token(data_dir),
            records=int(os.environ.get("CONTRATO_SEED_RECORDS", "300000")),
            only_if_empty=True,
        )
    except KeyboardInterrupt:
        stop.set()
    except (typer.Exit, UsageError):
        console.print("the platform runs without demo data (`contrato seed` loads it later)")
    finally:
        signal.signal(signal.SIGINT, lambda *_: stop.set())


@app.command()
def migrate(data_dir: DataDir = _default_data_dir()) -> None:
    """Create each service's database if missing and migrate it to the latest revision."""
    platform = Platform(data_dir, os.environ.get("CONTRATO_DATABASE_PREFIX", "contrato_"))
    try:
        platform.prepare()
        for name in platform.urls:
            console.print(f"{name}: migrated to head")
    finally:
        platform.stop()


app.add_typer(clients.app, name="clients")
app.command("import")(imports.import_file)
app.command("month-end")(month_end.month_end)
app.command("risk")(risk.risk)
app.add_typer(invoices.app, name="invoices")
app.add_typer(contracts.app, name="contracts")
app.add_typer(sources.app, name="sources")


@app.command("seed")
def seed_command(
    records: Annotated[int, typer.Option(help="About how many contact records")] = 300_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data")] = 42,
    until: Annotated[
        str | None,
        typer.Option(help="Last month of data, YYYY-MM (default: 2026-10, the README's quarter)"),
    ] = None,
    only_if_empty: Annotated[bool, typer.Option(help="Do nothing if data exists")] = False,
    gateway: GatewayUrl = "http://127.0.0.1:8000",
    data_dir: DataDir = _default_data_dir(),
) -> None:
    """Load a believable operator's quarter through the gateway (demo data)."""
    try:
        bearer = local_admin_token(data_dir)
    except UsageError as exc:
        fail_usage(str(exc))
    load_demo(gateway, bearer, records=records, seed=seed, until=until, only_if_empty=only_if_empty)


def load_demo(
    gateway: str,
    bearer: str,
    *,
    records: int,
    seed: int = 42,
    until: str | None = None,
    only_if_empty: bool = False,
) -> None:
    from datetime import date

    from rich.progress import Progress, TaskID

    from contrato.demo.seed import SeedError
    from contrato.demo.seed import seed as run_seed

    until_day = date.fromisoformat(f"{until}-01") if until else None
    with Progress(console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            summary = asyncio.run(
                run_seed(gateway, bearer, seed_value=seed, until=until_day, records=records,
                         progress=progress, only_if_empty=only_if_empty)
            )  # fmt: skip
        except (SeedError, httpx.HTTPError) as exc:
            console.print(f"[red]seeding failed:[/] {exc}")
            raise typer.Exit(1) from exc
    if summary is None:
        console.print("demo data: the platform already holds data; nothing loaded")
        return
    console.print(
        f"demo data: {summary['clients']} clients, {summary['contracts']} contracts, "
        f"{summary['records']:,} contact records ({summary['period']}); "
        f"open month for the walkthrough: {summary['open_period']}",
        soft_wrap=True,
    )


@app.command()
def keys(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the key pair")] = Path(
        "deploy/keys"
    ),
) -> None:
    """Create the RSA key pair that signs and verifies tokens (kept if it exists)."""
    private_path, public_path = generate_key_pair(directory)
    console.print(f"private key: {private_path}\npublic key:  {public_path}")


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="Role claim")] = Role.admin,
    client: Annotated[
        str | None, typer.Option("--client", help="Client organization id (tenant)")
    ] = None,
    subject: Annotated[str, typer.Option(help="Who the token speaks for")] = "dev@contrato.local",
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds")] = 8 * 3600,
    data_dir: DataDir = _default_data_dir(),
) -> None:
    """Mint a development JWT signed with the local key (the one `contrato up` made)."""
    key_file = os.environ.get("CONTRATO_JWT_PRIVATE_KEY_FILE") or str(
        data_dir / "keys" / "jwt-private.pem"
    )
    if not Path(key_file).exists():
        console.print(f"[red]no signing key at {key_file}[/]: run `contrato up` once first")
        raise typer.Exit(2)
    if role is Role.client and not client:
        console.print("[red]--client is required for the client role[/]")
        raise typer.Exit(2)
    print(
        mint_token(
            Path(key_file).read_text(),
            subject=subject,
            role=role,
            client_id=client,
            issuer=os.environ.get("CONTRATO_JWT_ISSUER", "contrato-dev"),
            audience=os.environ.get("CONTRATO_JWT_AUDIENCE", "contrato"),
            ttl_seconds=ttl,
        )
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

"""Benchmark: a month-end invoice run over 1,000 active contracts with a month of usage each.

Prints contracts per second and the share of the workers' time spent waiting on the contracts
and metrics services. Standalone (not a test):

    uv run python bench/bench_invoice_run.py [--contracts 1000] [--concurrency 4]

Uses DATABASE_URL if set, otherwise the embedded PostgreSQL under .data/bench-pg. Until the
contracts and metrics services are merged, their shapes are served over real HTTP by
``bench/upstream_stub.py`` in a separate uvicorn process; afterwards point --contracts-url /
--metrics-url at the real services.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from upstream_stub import contract_id  # noqa: E402

from billing.invoice_runs.repository import InvoiceRunRepository  # noqa: E402
from billing.invoice_runs.service import Runner, create_or_resume  # noqa: E402
from billing.main import SERVICE_DIR, create_app  # noqa: E402
from billing.pricing.periods import Period  # noqa: E402
from billing.settings import BillingSettings  # noqa: E402
from contrato.pg import EmbeddedPostgres, database_url, ensure_databases  # noqa: E402
from shared.auth import generate_key_pair, mint_token  # noqa: E402
from shared.migrations import upgrade  # noqa: E402

PLAN = {
    "effective_from": "2025-01-01",
    "charges": [
        {"key": "management", "name": "Management fee", "model": "fixed", "amount": "5000.00"},
        {
            "key": "minutes",
            "name": "Voice minutes",
            "model": "graduated",
            "metric": "handled_minutes",
            "increment_seconds": 6,
            "tiers": [
                {"up_to": "20000", "unit_price": "0.55"},
                {"up_to": "50000", "unit_price": "0.48"},
                {"up_to": None, "unit_price": "0.42"},
            ],
        },
        {
            "key": "contacts",
            "name": "Contacts",
            "model": "per_unit",
            "metric": "handled_contacts",
            "unit_price": "0.35",
        },
        {
            "key": "hours",
            "name": "Agent hours",
            "model": "per_unit",
            "metric": "productive_agent_hours",
            "unit_price": "2.10",
        },
    ],
    "minimum_commitment": "45000.00",
    "tax_rate_percent": "5",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_listening(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(
                    url + "/v1/contracts", params={"status": "active", "active_on": "2026-01-01"}
                )
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError("upstream stub did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--period", default="2026-01")
    parser.add_argument("--contracts-url")
    parser.add_argument("--metrics-url")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL")
    pg = None
    if not server_url:
        pg = EmbeddedPostgres(ROOT / ".data" / "bench-pg")
        server_url = pg.start()
    ensure_databases(server_url, ["bench_billing"], fresh=True)
    db_url = database_url(server_url, "bench_billing")
    upgrade(SERVICE_DIR, db_url)
    try:
        asyncio.run(run(args, db_url))
    finally:
        if pg is not None:
            pg.stop()


async def run(args: argparse.Namespace, db_url: str) -> None:
    stub = None
    if not args.contracts_url:
        port = free_port()
        env = {**os.environ, "BENCH_CONTRACTS": str(args.contracts)}
        stub = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "uvicorn",
            "upstream_stub:app",
            "--app-dir",
            str(ROOT / "bench"),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            env=env,
        )
        args.contracts_url = args.metrics_url = f"http://127.0.0.1:{port}"
        await wait_listening(args.contracts_url)
    try:
        keys = Path(tempfile.mkdtemp())
        private, public = generate_key_pair(keys)
        settings = BillingSettings(
            database_url=db_url,
            jwt_public_key=public.read_text(),
            jwt_private_key_file=private,
            contracts_url=args.contracts_url,
            metrics_url=args.metrics_url or args.contracts_url,
            log_level="WARNING",
            database_pool_size=max(5, args.concurrency + 2),
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            token = mint_token(
                private.read_text(),
                subject="bench",
                role="finance",
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
            )
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://bench",
                headers={"authorization": f"Bearer {token}"},
            ) as client:
                started = time.perf_counter()
                for i in range(args.contracts):
                    response = await client.post(
                        "/v1/price-plans",
                        json={"contract_id": contract_id(i), "name": f"Plan {i}", "version": PLAN},
                    )
                    response.raise_for_status()
                print(
                    f"setup: {args.contracts} price plans in {time.perf_counter() - started:.1f} s"
                )

            sessions = app.state.database.sessionmaker
            async with sessions() as session, session.begin():
                run, _ = await create_or_resume(
                    InvoiceRunRepository(session), Period.parse(args.period), "bench"
                )
            runner = Runner(sessions, app.state.upstream, concurrency=args.concurrency)
            started = time.perf_counter()
            await runner.execute(run.id)
            wall = time.perf_counter() - started
            async with sessions() as session:
                counts = await InvoiceRunRepository(session).counts(run.id)
    finally:
        if stub is not None:
            stub.terminate()
            await stub.wait()

    stats = runner.stats
    worker_time = wall * args.concurrency
    print(f"invoice run {args.period}: {stats.contracts} contracts, outcomes {counts}")
    print(f"wall time            {wall:8.2f} s  (concurrency {args.concurrency})")
    print(f"contracts per second {stats.contracts / wall:8.1f}")
    print(
        f"upstream wait        {stats.upstream_seconds:8.2f} s summed over workers "
        f"= {100 * stats.upstream_seconds / worker_time:.0f} % of worker time"
    )


if __name__ == "__main__":
    main()

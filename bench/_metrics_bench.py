"""Shared set-up of the metrics benchmarks: a PostgreSQL (BENCH_DATABASE_URL or the embedded
one under .data/bench-pg), fresh migrated databases, the metrics app in-process reaching the
real contracts app (in-process too, over ASGI) as it would over HTTP, and a token."""

from __future__ import annotations

import os
import random
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from contrato.pg import EmbeddedPostgres, database_url, ensure_databases
from shared.auth import generate_key_pair, mint_token
from shared.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
METRICS_DIR = ROOT / "services" / "metrics"
CONTRACTS_DIR = ROOT / "services" / "contracts"


def server_url() -> tuple[str, EmbeddedPostgres | None]:
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url, None
    server = EmbeddedPostgres(ROOT / ".data" / "bench-pg")
    return server.start(), server


def fresh_database(server: str, name: str, service_dir: Path = METRICS_DIR) -> str:
    ensure_databases(server, [name], fresh=True)
    url = database_url(server, name)
    upgrade(service_dir, url)
    return url


def asyncpg_kwargs(url: str) -> dict[str, Any]:
    from contrato.pg import _connect_kwargs

    return _connect_kwargs(url.replace("+asyncpg", ""))


async def connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(**asyncpg_kwargs(url))


@asynccontextmanager
async def metrics_client(
    url: str, contracts_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Operator clients of the metrics app and of the contracts app it reads contracts from,
    both in-process with their own engines and lifespans."""
    keys = Path(tempfile.mkdtemp())
    private, public = generate_key_pair(keys)
    os.environ.update(
        {
            "CONTRATO_ENV": "test",
            "CONTRATO_JWT_PUBLIC_KEY": public.read_text(),
            "CONTRATO_JWT_ISSUER": "bench",
            "CONTRATO_JWT_AUDIENCE": "contrato",
            "CONTRATO_LOG_LEVEL": "WARNING",
        }
    )
    from contracts.main import create_app as create_contracts
    from contracts.settings import ContractsSettings
    from metrics.contracts_client import ContractsClient
    from metrics.main import create_app
    from metrics.settings import MetricsSettings
    from shared.http import ServiceClient

    contracts = create_contracts(ContractsSettings(database_url=contracts_url))
    app = create_app(MetricsSettings(database_url=url))
    token = mint_token(
        private.read_text(), subject="bench", role="operator", issuer="bench", audience="contrato"
    )
    headers = {"authorization": f"Bearer {token}"}
    async with (
        contracts.router.lifespan_context(contracts),
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers,
            timeout=600,
        ) as client,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=contracts), base_url="http://contracts",
            headers=headers, timeout=600,
        ) as contracts_client,
    ):  # fmt: skip
        app.state.contracts = ContractsClient(
            ServiceClient(
                "contracts", "http://contracts", transport=httpx.ASGITransport(app=contracts)
            )
        )
        yield client, contracts_client


def month_of_records(
    count: int,
    contract_id: uuid.UUID,
    *,
    start: datetime,
    seed: int = 1,
    monthly_volume: int | None = None,
    prefix: str = "b",
    customer_share: float = 0.0,
) -> list[dict[str, Any]]:
    """``count`` records in time order at the density of ``monthly_volume`` contacts a month
    (default: ``count`` spread over 30 days), as a platform pushes them; external ids are
    ``prefix`` and a number; ``customer_share`` of them name the caller's phone number."""
    rng = random.Random(seed)
    step = 30 * 86400 / (monthly_volume or count)
    out = []
    for i in range(count):
        at = start + timedelta(seconds=i * step)
        outcome = rng.choices(("answered", "abandoned", "flow_out"), (85, 12, 3))[0]
        answered = outcome == "answered"
        record = {
            "external_id": f"{prefix}{i}",
            "contract_id": str(contract_id),
            "queue": rng.choice(("support", "sales", "billing")),
            "channel": rng.choice(("voice", "voice", "chat")),
            "enqueued_at": at.isoformat(),
            "wait_seconds": int(rng.expovariate(1 / 25)),
            "talk_seconds": rng.randrange(30, 600) if answered else 0,
            "hold_seconds": rng.choice((0, 0, 30)) if answered else 0,
            "acw_seconds": rng.randrange(0, 90) if answered else 0,
            "outcome": outcome,
            "agent": f"agent-{rng.randrange(200)}" if answered else None,
            "updated_at": (at + timedelta(minutes=20)).isoformat(),
        }
        if answered and rng.random() < 0.2:
            record["csat"] = rng.randrange(1, 6)
        if rng.random() < customer_share:  # phone numbers
            record["customer"] = f"+55 11 9{rng.randrange(200_000):04d}-{rng.randrange(10_000):04d}"
        out.append(record)
    return out


START = datetime(2026, 10, 1, tzinfo=UTC)

"""Ingestion of a sparse month (records spread over every day and many queues, resolved by
queue) through the real metrics and contracts services, vs raw COPY of the same rows.

    uv run python bench/bench_ingest_sparse.py [--records 10000] [--batch 2500]
                                               [--contracts 4] [--rounds 3]

This is how a telephony platform's nightly export looks: a month of one operator's traffic,
thinly spread, whose records name only their queue. Each record's contract is the one the
contracts service says claims the queue at its time, so the cost measured includes asking
it (one ``queue-claims`` request per batch for all its queues and days, cached per queue and
day) — which used to be one request per distinct queue and hour, 15 s for the first batch.

Set-up: contracts and metrics as their own processes (``contrato.platform``), each on a
fresh database migrated by its Alembic history; an operator, a client and ``--contracts``
signed contracts of three queues each, made through the contracts API. Each round sends a
different month (so nothing is cached when it starts: the first batch pays the look-up) and
COPYs the same rows, normalized and attributed as the service stores them, into the emptied
contact_record table, alternating sides. Printed: both rates a round, their ratio, and the
median ratio (goal: >= 0.3, first batch included).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from _metrics_bench import connect
from bench_invoice_run import (
    AUDIENCE,
    ISSUER,
    OPERATOR,
    QUEUES,
    ROOT,
    SIGNERS,
    check,
    contract_body,
    free_port,
)

from contrato.pg import EmbeddedPostgres, database_url, ensure_databases
from contrato.platform import SERVICES, Processes, wait_ready
from metrics.ingestion.columns import CONTACT_COLUMNS, contact_row
from metrics.ingestion.normalize import normalize_contact
from shared.auth import generate_key_pair, mint_token
from shared.ids import uuid7
from shared.migrations import upgrade

FIRST_MONTH = datetime(2026, 1, 1, 3, tzinfo=UTC)  # midnight in São Paulo


def month_start(number: int) -> datetime:
    month = FIRST_MONTH.month - 1 + number
    return FIRST_MONTH.replace(year=FIRST_MONTH.year + month // 12, month=month % 12 + 1)


def sparse_month(count: int, queues: list[str], start: datetime, prefix: str) -> list[dict]:
    """``count`` records over the 31 days from ``start``, random queues, in time order,
    naming no contract."""
    rng = random.Random(prefix)
    step = 31 * 86400 / count
    out = []
    for n in range(count):
        at = start + timedelta(seconds=n * step + rng.random() * step)
        outcome = rng.choices(("answered", "abandoned", "flow_out"), (85, 12, 3))[0]
        answered = outcome == "answered"
        out.append(
            {
                "external_id": f"{prefix}{n}",
                "queue": rng.choice(queues),
                "channel": rng.choice(("voice", "voice", "chat")),
                "enqueued_at": at.isoformat(),
                "wait_seconds": int(rng.expovariate(1 / 25)),
                "talk_seconds": rng.randrange(30, 600) if answered else 0,
                "acw_seconds": rng.randrange(0, 90) if answered else 0,
                "outcome": outcome,
                "agent": f"agent-{rng.randrange(60)}" if answered else None,
            }
        )
    return out


async def signed_contracts(api: httpx.AsyncClient, count: int) -> dict[str, tuple[str, str]]:
    """``count`` signed contracts of one client; answers queue -> (contract id, client id)."""
    check(await api.post("/v1/organizations", json=OPERATOR), 201)
    client = {
        "legal_name": "Sparse Client S.A.",
        "display_name": "Sparse Client",
        "country": "BR",
        "tax_id": "12.345.678/0001-90",
        "billing_email": "ap@sparse.example",
        "time_zone": "America/Sao_Paulo",
    }
    client_id = check(await api.post("/v1/organizations", json=client), 201)["id"]
    claims: dict[str, tuple[str, str]] = {}
    for i in range(count):
        contract_id = check(await api.post("/v1/contracts", json=contract_body(i, client_id)))["id"]
        base = f"/v1/contracts/{contract_id}"
        check(await api.post(f"{base}/actions/submit", json={"reason": "ready"}), 200)
        check(await api.post(f"{base}/actions/approve", json={"reason": "ok"}), 200)
        check(await api.post(f"{base}/actions/send_for_signature", json={"signers": SIGNERS}), 200)
        for signer in SIGNERS:
            check(await api.post(f"{base}/signatures", json={"email": signer["email"]}), 201)
        claims |= {f"k{i}-{q}": (contract_id, client_id) for q in QUEUES}
    return claims


def copy_rows(rows: list[dict], claims: dict[str, tuple[str, str]]) -> list[tuple]:
    """The rows as the service stores them: normalized, with the contract claiming the queue
    and its client (every contract is in force all month)."""
    source_id = uuid.uuid4()
    tuples = []
    for index, raw in enumerate(rows):
        record = normalize_contact(index, raw, secret="x" * 16, new_id=uuid7)
        assert not isinstance(record, list)
        contract_id, client_id = claims[record.queue]
        record.contract_id, record.client_id = uuid.UUID(contract_id), uuid.UUID(client_id)
        tuples.append(contact_row(source_id, record))
    return tuples


async def run(urls: dict[str, str], metrics_db: str, private_pem: str, args: Any) -> None:
    token = mint_token(
        private_pem, subject="bench", role="operator", issuer=ISSUER, audience=AUDIENCE
    )
    headers = {"authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=urls["contracts"], headers=headers, timeout=300) as contracts,
        httpx.AsyncClient(base_url=urls["metrics"], headers=headers, timeout=600) as metrics,
    ):
        claims = await signed_contracts(contracts, args.contracts)
        check(await metrics.post("/v1/sources", json={"name": "pbx", "kind": "api"}), 201)
        queues = sorted(claims)
        conn = await connect(metrics_db)
        print(f"records: {args.records:,} a round over 31 days and {len(queues)} queues of "
              f"{args.contracts} contracts, batches of {args.batch:,}, by queue")  # fmt: skip
        ratios = []
        for number in range(args.rounds):
            rows = sparse_month(args.records, queues, month_start(number), f"r{number}-")
            bodies = [
                json.dumps({"source": "pbx", "records": rows[i : i + args.batch]}).encode()
                for i in range(0, len(rows), args.batch)
            ]
            tuples = copy_rows(rows, claims)

            await conn.execute("TRUNCATE contact_record")
            started = time.perf_counter()
            first = 0.0
            for body in bodies:
                response = await metrics.post(
                    "/v1/contact-records",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                answer = check(response, 200)
                if answer["rejected"]:
                    raise RuntimeError(f"rejected: {answer['rejections'][:3]}")
                first = first or time.perf_counter() - started
            service_rate = args.records / (time.perf_counter() - started)

            await conn.execute("TRUNCATE contact_record")
            started = time.perf_counter()
            for i in range(0, len(tuples), args.batch):
                await conn.copy_records_to_table(
                    "contact_record", columns=CONTACT_COLUMNS, records=tuples[i : i + args.batch]
                )
            copy_rate = args.records / (time.perf_counter() - started)
            ratios.append(service_rate / copy_rate)
            print(f"round {number + 1}: service {service_rate:8,.0f} records/s (first batch "
                  f"{first:.2f} s)   raw COPY {copy_rate:9,.0f} records/s   "
                  f"ratio {ratios[-1]:.2f}")  # fmt: skip
        await conn.close()
    print(f"ratio service / COPY, sparse: {statistics.median(ratios):.2f} (median of "
          f"{len(ratios)}; spread {min(ratios):.2f}-{max(ratios):.2f}; goal >= 0.30)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="a round, each side")
    parser.add_argument("--batch", type=int, default=2_500)
    parser.add_argument("--contracts", type=int, default=4, help="three queues each")
    parser.add_argument("--rounds", type=int, default=3, help="one month each")
    args = parser.parse_args()

    server = os.environ.get("BENCH_DATABASE_URL")
    embedded = None
    if not server:
        embedded = EmbeddedPostgres(ROOT / ".data" / "bench-pg")
        server = embedded.start()
    processes = Processes()
    try:
        services = [s for s in SERVICES if s.name in ("contracts", "metrics")]
        names = {s.name: f"bench_sparse_{s.name}" for s in services}
        ensure_databases(server, names.values(), fresh=True)
        db_urls = {name: database_url(server, db) for name, db in names.items()}
        for service in services:
            upgrade(service.directory, db_urls[service.name])
        private, public = generate_key_pair(ROOT / ".data" / "bench-ingest-sparse" / "keys")
        urls = {s.name: f"http://127.0.0.1:{free_port()}" for s in services}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRATO_", "DATABASE"))}
        env |= {
            "CONTRATO_ENV": "development",
            "CONTRATO_LOG_LEVEL": "WARNING",
            "CONTRATO_JWT_PUBLIC_KEY_FILE": str(public),
            "CONTRATO_JWT_ISSUER": ISSUER,
            "CONTRATO_JWT_AUDIENCE": AUDIENCE,
            "METRICS_CONTRACTS_URL": urls["contracts"],
        }
        for service in services:
            port = int(urls[service.name].rsplit(":", 1)[1])
            db = {f"{service.name.upper()}_DATABASE_URL": db_urls[service.name]}
            processes.start(service, "127.0.0.1", port, env | db)
        for url in urls.values():
            wait_ready(url + "/readyz", processes)
        asyncio.run(run(urls, db_urls["metrics"], private.read_text(), args))
    finally:
        processes.stop()
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    main()

"""Bulk ingestion through the metrics service vs raw COPY of the same rows.

    uv run python bench/bench_ingest.py [--records 100000] [--batch 10000]
                                        [--monthly-volume 1000000] [--concurrency 1]
                                        [--workers 1] [--rounds 3] [--customer-share 0.9]

The service runs as it is deployed: its own uvicorn process (``contrato.platform``, as
``contrato up`` starts it), on a fresh database migrated by its Alembic history. The service
path is the whole request over HTTP: JSON parsing, per-row validation, the customer-key hash,
the idempotent store (keys and partitioned records) and the exact rollup update, committed.
The baseline COPYs the same rows (already as tuples) into the same contact_record table
(partitioned, same indexes), emptied first, in the same PostgreSQL, from this process.
Rounds alternate the two sides (fresh external ids each round, contact_record emptied before
each side), so a noisy machine slows both alike; each round prints both rates and their ratio,
then the median ratio (goal: >= 0.4). The request bodies are encoded before the
clock starts (encoding JSON is the client's work). With ``--concurrency N`` both sides keep N
batches in flight: N requests to the service, N COPY connections (from this one process).
``--workers N`` runs the service as N uvicorn worker processes (``WEB_CONCURRENCY``, as a
container does), which is how a deployment uses more than one core: one Python process
computes one request at a time.

Records arrive in time order at the density of a contract with ``--monthly-volume`` contacts
a month (a 10,000-record batch then spans a few hours, as a platform's pushes do), so each
batch touches as many rollup rows as real traffic would; ``--customer-share`` of them name the
caller's phone number, as Amazon Connect and Asterisk exports do (the service hashes it; both
sides write the keyed hash into the indexed customer_key column).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn
from _metrics_bench import START, connect, fresh_database, month_of_records
from _metrics_bench import server_url as get_server
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from contrato.platform import Processes, Service, wait_ready
from metrics.ingestion.columns import CONTACT_COLUMNS, contact_row
from metrics.ingestion.normalize import normalize_contact
from shared.auth import generate_key_pair, mint_token
from shared.ids import uuid7

ROOT = Path(__file__).resolve().parents[1]
ISSUER, AUDIENCE = "contrato-bench", "contrato"


async def in_flight(jobs: list, concurrency: int) -> None:
    """Run the jobs (coroutine functions) with at most ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(job) -> None:  # type: ignore[no-untyped-def]
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


BENCH_CLIENT = uuid.uuid4()
QUEUES = ["support", "sales", "billing"]  # the queues of ``month_of_records``


def contracts_stub(contract_id: uuid.UUID) -> FastAPI:
    """What the service asks the contracts service while ingesting, answered at once: the
    named contract is the bench client's and lists the records' queues (so, as for real
    traffic naming its contract, one service-terms call per batch and no queue look-ups).
    It stands in for the contracts service so that the bench measures ingestion."""
    stub = FastAPI()

    @stub.get("/v1/contracts/queue-lookup")
    async def queue_lookup(queue: str) -> dict:
        return {"contract_id": str(contract_id), "client_id": str(BENCH_CLIENT), "queue": queue}

    @stub.get("/v1/contracts/{named}/service-terms")
    async def service_terms(named: uuid.UUID) -> JSONResponse:
        if named != contract_id:
            return JSONResponse({"detail": "no such contract"}, status_code=404)
        version = {"effective_from": "2000-01-01", "effective_to": None, "queues": QUEUES}
        return JSONResponse(
            {
                "contract_id": str(named),
                "client_id": str(BENCH_CLIENT),
                "time_zone": "UTC",
                "versions": [version],
            }
        )

    return stub


def start_contracts_stub(contract_id: uuid.UUID) -> str:
    """The stub in a thread of this process (a handful of requests a run); answers its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        contracts_stub(contract_id), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}"


def start_metrics(
    database_url: str, processes: Processes, workers: int, contracts_url: str
) -> tuple[str, str]:
    """The metrics service in its own process; answers its URL and an operator token."""
    keys = Path(tempfile.mkdtemp())
    private, public = generate_key_pair(keys)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRATO_", "METRICS_"))}
    env |= {
        "CONTRATO_ENV": "development",
        "CONTRATO_LOG_LEVEL": "WARNING",
        "CONTRATO_JWT_PUBLIC_KEY_FILE": str(public),
        "CONTRATO_JWT_ISSUER": ISSUER,
        "CONTRATO_JWT_AUDIENCE": AUDIENCE,
        "METRICS_DATABASE_URL": database_url,
        "METRICS_CONTRACTS_URL": contracts_url,
        "WEB_CONCURRENCY": str(workers),
    }
    service = Service("metrics", "metrics.main:create_app", ROOT / "services" / "metrics", 0)
    processes.start(service, "127.0.0.1", port, env)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url + "/readyz", processes)
    token = mint_token(
        private.read_text(), subject="bench", role="operator", issuer=ISSUER, audience=AUDIENCE
    )
    return url, token


def copy_rows(rows: list[dict]) -> list[tuple]:
    """The rows as the baseline COPYs them: normalized as the service would (ids, customer
    key, derived fields; the contract the rows name and its client), so both sides write the
    same values."""
    source_id = uuid.uuid4()
    tuples = []
    for index, raw in enumerate(rows):
        record = normalize_contact(index, raw, secret="x" * 16, new_id=uuid7)
        assert not isinstance(record, list)
        record.client_id = BENCH_CLIENT  # the service stores the contract's client
        tuples.append(contact_row(source_id, record))
    return tuples


async def run(
    database_url: str,
    service_url: str,
    token: str,
    args: argparse.Namespace,
    contract_id: uuid.UUID,
) -> None:
    records, batch, concurrency = args.records, args.batch, args.concurrency
    rounds = []
    # Each round continues the traffic where the previous one stopped, as pushes do.
    span = timedelta(days=30) * records / args.monthly_volume
    for number in range(args.rounds):
        rows = month_of_records(
            records,
            contract_id,
            start=START + number * span,
            monthly_volume=args.monthly_volume,
            prefix=f"r{number}-",
            customer_share=args.customer_share,
        )
        bodies = [
            json.dumps({"source": "bench", "records": rows[i : i + batch]}).encode()
            for i in range(0, len(rows), batch)
        ]
        rounds.append((bodies, copy_rows(rows)))

    connections = [await connect(database_url) for _ in range(concurrency)]
    idle = list(connections)

    def copy(chunk: list):  # type: ignore[no-untyped-def]
        async def job() -> None:
            conn = idle.pop()
            try:
                await conn.copy_records_to_table(
                    "contact_record", columns=CONTACT_COLUMNS, records=chunk
                )
            finally:
                idle.append(conn)

        return job

    ratios = []
    async with httpx.AsyncClient(
        base_url=service_url, headers={"authorization": f"Bearer {token}"}, timeout=600
    ) as client:
        created = await client.post("/v1/sources", json={"name": "bench", "kind": "api"})
        assert created.status_code == 201, created.text

        def push(body: bytes):  # type: ignore[no-untyped-def]
            async def job() -> None:
                response = await client.post(
                    "/v1/contact-records",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                assert response.status_code == 200, response.text
                assert response.json()["inserted"] == batch

            return job

        print(f"records:                 {records:,} a round in batches of {batch:,}, "
              f"{concurrency} in flight, {args.rounds} rounds")  # fmt: skip
        print(f"service worker processes: {args.workers}; records naming a customer: "
          f"{args.customer_share:.0%}")  # fmt: skip
        # Rounds alternate the two sides, each into an emptied contact_record (same table,
        # partitions and indexes), so a noisy machine slows both alike; the median is reported.
        for number, (bodies, tuples) in enumerate(rounds, start=1):
            await connections[0].execute("TRUNCATE contact_record")
            started = time.perf_counter()
            await in_flight([push(body) for body in bodies], concurrency)
            service_rate = records / (time.perf_counter() - started)

            await connections[0].execute("TRUNCATE contact_record")
            started = time.perf_counter()
            await in_flight(
                [copy(tuples[i : i + batch]) for i in range(0, len(tuples), batch)], concurrency
            )
            copy_rate = records / (time.perf_counter() - started)
            ratios.append(service_rate / copy_rate)
            print(f"round {number}: service {service_rate:9,.0f} records/s   raw COPY "
                  f"{copy_rate:9,.0f} records/s   ratio {ratios[-1]:.2f}")  # fmt: skip
    for conn in connections:
        await conn.close()
    print(f"ratio service / COPY:    {statistics.median(ratios):.2f} (median of {len(ratios)}; "
          "goal >= 0.40)")  # fmt: skip


def main(args: argparse.Namespace) -> None:
    server, embedded = get_server()
    processes = Processes()
    try:
        database_url = fresh_database(server, "bench_metrics_ingest")
        contract_id = uuid.uuid4()
        contracts_url = start_contracts_stub(contract_id)
        service_url, token = start_metrics(database_url, processes, args.workers, contracts_url)
        asyncio.run(run(database_url, service_url, token, args, contract_id))
    finally:
        processes.stop()
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="a round, each side")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--monthly-volume", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="service worker processes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--customer-share",
        type=float,
        default=0.9,
        help="records naming the caller (hashed into customer_key, which is indexed)",
    )
    main(parser.parse_args())

"""A month of KPIs for one contract: from rollups vs the same figures by a raw SQL scan.

    uv run python bench/bench_kpi.py [--records 200000] [--runs 20]

Loads ``--records`` contacts for one contract across a month through the service (so the
rollups are the ones ingestion maintains), then times, ``--runs`` times each:
  * GET /v1/kpis for the month by day with two thresholds (end to end, in-process),
  * the same sums from rollups (SQL only),
  * the same sums by scanning the raw records (SQL only, the baseline).
Prints p50 of each and the ratio rollups / raw scan (goals: API p50 < 50 ms, ratio < 0.1).
The issue's figure is for 1,000,000 records: pass --records 1000000 (takes a few minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime

from _metrics_bench import CONTRACTS_DIR, START, fresh_database, metrics_client, month_of_records
from _metrics_bench import server_url as get_server
from bench_ingest_sparse import signed_contracts
from sqlalchemy.ext.asyncio import create_async_engine

from metrics.kpis.repository import KpiRepository, Scope


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def run(url: str, contracts_url: str, records: int, runs: int) -> None:
    async with metrics_client(url, contracts_url) as (client, contracts):
        claims = await signed_contracts(contracts, 1)
        contract_id = uuid.UUID(next(iter(claims.values()))[0])
        created = await client.post("/v1/sources", json={"name": "bench", "kind": "api"})
        assert created.status_code == 201, created.text
        loaded = time.perf_counter()
        rows = month_of_records(records, contract_id, start=START)
        for i in range(0, len(rows), 10_000):
            response = await client.post(
                "/v1/contact-records", json={"source": "bench", "records": rows[i : i + 10_000]}
            )
            assert response.status_code == 200, response.text
        print(f"loaded {records:,} records in {time.perf_counter() - loaded:.1f} s")
        params = {
            "contract_id": str(contract_id),
            "from": "2026-10-01",
            "to": "2026-11-01",
            "granularity": "day",
            "threshold": [20, 30],
            "time_zone": "America/Sao_Paulo",
        }
        api = []
        for _ in range(runs):
            started = time.perf_counter()
            response = await client.get("/v1/kpis", params=params)
            api.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.json()["computed_from"] == "rollups"

    engine = create_async_engine(url)
    start, end = datetime(2026, 10, 1, 3, tzinfo=UTC), datetime(2026, 11, 1, 3, tzinfo=UTC)
    timings: dict[bool, list[float]] = {False: [], True: []}
    answers = {}
    async with engine.connect() as conn:
        from sqlalchemy.ext.asyncio import AsyncSession

        session = AsyncSession(bind=conn)
        repository = KpiRepository(session)
        for raw in (False, True):
            for _ in range(runs if not raw else max(3, runs // 4)):
                started = time.perf_counter()
                answers[raw] = await repository.sums(
                    Scope(contract_id=contract_id),
                    start,
                    end,
                    granularity="day",
                    tz="America/Sao_Paulo",
                    group_by=None,
                    bounds=[20, 30],
                    raw=raw,
                )
                timings[raw].append(time.perf_counter() - started)
        await session.close()
    await engine.dispose()
    assert [s for _, _, s in answers[False]] == [s for _, _, s in answers[True]], "figures differ"
    rollup, scan = p50(timings[False]), p50(timings[True])
    print(f"records in the month:        {records:,}")
    print(f"GET /v1/kpis p50:            {p50(api):.1f} ms  (goal < 50 ms)")
    print(f"rollup query p50:            {rollup:.1f} ms")
    print(f"raw scan query p50:          {scan:.1f} ms  (baseline, same figures)")
    print(f"ratio rollups / raw scan:    {rollup / scan:.3f}  (goal < 0.1)")


def main(records: int, runs: int) -> None:
    server, embedded = get_server()
    try:
        url = fresh_database(server, "bench_metrics_kpi")
        contracts_url = fresh_database(server, "bench_contracts_kpi", CONTRACTS_DIR)
        asyncio.run(run(url, contracts_url, records, runs))
    finally:
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    main(args.records, args.runs)

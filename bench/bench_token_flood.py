"""Other callers' latency while `/oauth/token` is flooded with wrong secrets, as a ratio of the
same latency on a quiet gateway, measured in one run over loopback.

    .venv/bin/python bench/bench_token_flood.py [--requests 1000] [--flood 16]

Starts the embedded PostgreSQL (or uses DATABASE_URL), the contracts service and the gateway.
Two floods are measured: from one address (the per-address and per-client limits refuse it
before any hashing), and the worst case, a distributed one, where every attempt claims another
address (X-Forwarded-For, believed from loopback here) and another client id, so no limit
applies and every attempt costs an Argon2 verification: the gateway hashes one secret at a time
per process, which bounds what the flood can take from everyone else.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_gateway import (  # noqa: E402
    GATEWAY_PORT,
    SERVICE_PORT,
    percentile,
    sequential_latencies,
    started_platform,
)


async def flood(url: str, workers: int, distributed: bool, stop: asyncio.Event) -> int:
    """Wrong secrets until ``stop``; how many attempts were made."""
    attempts = itertools.count()
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker(w: int) -> None:
            while not stop.is_set():
                n = next(attempts)
                client_id = f"ctr_guess{n}" if distributed else "ctr_victim"
                headers = {"x-forwarded-for": f"10.{w}.{n // 250 % 250}.{n % 250}"}
                await client.post(
                    url,
                    data={"grant_type": "client_credentials", "client_id": client_id,
                          "client_secret": f"wrong-{n}"},
                    headers=headers if distributed else {},
                )  # fmt: skip

        await asyncio.gather(*(worker(w) for w in range(workers)))
    return next(attempts)


async def measure(url: str, headers: dict[str, str], n: int, token_url: str | None,
                  workers: int, distributed: bool) -> tuple[list[float], float]:  # fmt: skip
    stop = asyncio.Event()
    attackers = (
        asyncio.create_task(flood(token_url, workers, distributed, stop)) if token_url else None
    )
    started = time.perf_counter()
    await asyncio.sleep(0.5 if attackers else 0)
    samples = await sequential_latencies(url, headers, n)
    stop.set()
    attempts = await attackers if attackers else 0
    return samples, attempts / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--flood", type=int, default=16, help="concurrent attackers")
    args = parser.parse_args()
    with started_platform(gateway_args=["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"],
                          rate_limited_tokens=True) as headers:  # fmt: skip
        url = f"http://127.0.0.1:{GATEWAY_PORT}/v1/organizations?limit=1"
        token_url = f"http://127.0.0.1:{GATEWAY_PORT}/oauth/token"
        rounds = []
        for name, target, distributed in [
            ("quiet", None, False),
            ("one address", token_url, False),
            ("distributed", token_url, True),
            ("quiet again", None, False),
        ]:
            samples, rate = asyncio.run(
                measure(url, headers, args.requests, target, args.flood, distributed)
            )
            rounds.append((name, percentile(samples, 50), percentile(samples, 99), rate))
    quiet = statistics.mean([rounds[0][1], rounds[3][1]])
    print(f"{'round':<14}{'p50 ms':>9}{'p99 ms':>9}{'ratio p50':>11}{'attempts/s':>12}")
    for name, p50, p99, rate in rounds:
        print(f"{name:<14}{p50:>9.2f}{p99:>9.2f}{p50 / quiet:>11.2f}{rate:>12.0f}")
    print(f"(service on :{SERVICE_PORT}, gateway on :{GATEWAY_PORT}; ratio against the mean "
          "of the quiet rounds)")  # fmt: skip


if __name__ == "__main__":
    main()

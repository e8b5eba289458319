"""The gateway's cost: added latency (p50, p99) and throughput relative to calling the
service directly, measured in one run over loopback.

    uv run python bench/bench_gateway.py [--requests 2000] [--concurrency 32]

Starts the embedded PostgreSQL (or uses DATABASE_URL), the contracts service and the gateway
with uvicorn, then sends the same GET /v1/organizations?limit=1 directly and through the
gateway. Goal: under 2 ms added at p50 and at least 0.6 of direct throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contrato.pg import EmbeddedPostgres, database_url, ensure_databases  # noqa: E402
from shared.auth import generate_key_pair, mint_token  # noqa: E402
from shared.migrations import upgrade  # noqa: E402

SERVICE_PORT, GATEWAY_PORT = 18901, 18900


def start(
    module: str, port: int, env: dict[str, str], extra: list[str] | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", module, "--factory", "--port", str(port),
         "--no-access-log", "--log-level", "warning", *(extra or [])],
        env=env,
    )  # fmt: skip


def wait(url: str) -> None:
    for _ in range(200):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} never became ready")


async def sequential_latencies(url: str, headers: dict[str, str], n: int) -> list[float]:
    async with httpx.AsyncClient(headers=headers) as client:
        for _ in range(50):  # warm up connections and caches
            await client.get(url)
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            response = await client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return samples


async def throughput(url: str, headers: dict[str, str], n: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits) as client:
        remaining = n

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                response = await client.get(url)
                assert response.status_code == 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return n / (time.perf_counter() - started)


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1] * 1000


@contextmanager
def started_platform(
    gateway_args: list[str] | None = None,
    rate_limited_tokens: bool = False,
    env_out: dict[str, str] | None = None,
) -> Iterator[dict[str, str]]:
    """The contracts service and the gateway on fresh databases; yields an admin's headers
    (and fills ``env_out`` with the processes' environment)."""
    keys_dir = Path(tempfile.mkdtemp())
    private_path, public_path = generate_key_pair(keys_dir)
    pg = None
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        pg = EmbeddedPostgres(ROOT / ".data" / "bench-pg")
        server_url = pg.start()
    ensure_databases(server_url, ["bench_contracts", "bench_gateway"], fresh=True)
    upgrade(ROOT / "services" / "contracts", database_url(server_url, "bench_contracts"))
    upgrade(ROOT / "gateway", database_url(server_url, "bench_gateway"))
    env = {
        **os.environ,
        "CONTRATO_JWT_PUBLIC_KEY_FILE": str(public_path),
        "CONTRATO_JWT_PRIVATE_KEY_FILE": str(private_path),
        "CONTRATO_LOG_LEVEL": "ERROR",
        "CONTRACTS_DATABASE_URL": database_url(server_url, "bench_contracts"),
        "GATEWAY_DATABASE_URL": database_url(server_url, "bench_gateway"),
        "GATEWAY_CONTRACTS_URL": f"http://127.0.0.1:{SERVICE_PORT}",
        "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000",
        "GATEWAY_RATE_LIMIT_BURST": "1000000",
    }
    if not rate_limited_tokens:
        env["GATEWAY_TOKEN_REQUESTS_PER_ADDRESS_BURST"] = "1000000"
        env["GATEWAY_TOKEN_REQUESTS_PER_CLIENT_BURST"] = "1000000"
    if env_out is not None:
        env_out.update(env)
    processes = [
        start("contracts.main:create_app", SERVICE_PORT, env),
        start("gateway.main:create_app", GATEWAY_PORT, env, gateway_args),
    ]
    try:
        wait(f"http://127.0.0.1:{SERVICE_PORT}/readyz")
        wait(f"http://127.0.0.1:{GATEWAY_PORT}/healthz")
        token = mint_token(private_path.read_text(), subject="bench", role="admin",
                           issuer="contrato-dev", audience="contrato")  # fmt: skip
        yield {"authorization": f"Bearer {token}"}
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    with started_platform() as headers:
        path = "/v1/organizations?limit=1"
        direct_url = f"http://127.0.0.1:{SERVICE_PORT}{path}"
        gateway_url = f"http://127.0.0.1:{GATEWAY_PORT}{path}"
        n = args.requests
        direct = asyncio.run(sequential_latencies(direct_url, headers, n))
        via = asyncio.run(sequential_latencies(gateway_url, headers, n))
        direct_rps = asyncio.run(throughput(direct_url, headers, n, args.concurrency))
        via_rps = asyncio.run(throughput(gateway_url, headers, n, args.concurrency))

    p50_added = percentile(via, 50) - percentile(direct, 50)
    p99_added = percentile(via, 99) - percentile(direct, 99)
    print(f"direct:  p50 {percentile(direct, 50):6.2f} ms  p99 {percentile(direct, 99):6.2f} ms"
          f"  {direct_rps:7.0f} req/s")  # fmt: skip
    print(f"gateway: p50 {percentile(via, 50):6.2f} ms  p99 {percentile(via, 99):6.2f} ms"
          f"  {via_rps:7.0f} req/s")  # fmt: skip
    print(f"added latency: p50 {p50_added:+.2f} ms (goal < 2), p99 {p99_added:+.2f} ms")
    print(f"throughput ratio gateway/direct: {via_rps / direct_rps:.2f} (goal >= 0.6)")


if __name__ == "__main__":
    main()

"""The cost of one authenticated request: the same read served (a) by a minimal FastAPI +
asyncpg endpoint that verifies the same token, (b) by the contracts service, (c) through the
gateway, in one run, each as a ratio of (a) in p50 latency (one request at a time) and in
throughput (32 at a time); and the load generator's own ceiling against a static endpoint.

    uv run python bench/bench_request_cost.py [--rounds 5] [--seconds 3]

The read is GET /v1/organizations?limit=1 with an admin's token. Each server is one uvicorn
process on loopback, on the embedded PostgreSQL (or DATABASE_URL). The load comes from wrk
(Debian's package; a Python generator could not saturate these servers), installed with
apt-get when missing and possible. Rounds alternate the four targets so that the machine's
load drifts over all of them alike; the median of the rounds is printed with its spread.
Goals: the service at >= 0.5 of the minimal endpoint in both; the gateway adding < 1 ms at
p50 and keeping >= 0.8 of the service's throughput.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import httpx
from bench_gateway import (
    GATEWAY_PORT,
    SERVICE_PORT,
    start,
    started_platform,
    wait,
)
from bench_invoice_run import OPERATOR

MINIMAL_PORT = 18902
PATH = "/v1/organizations?limit=1"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    apt = ["apt-get", "install", "-y", "-q", "wrk"]
    if os.geteuid() != 0:
        apt = ["sudo", "-n", *apt]
    subprocess.run(apt, check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("wrk is needed: apt-get install wrk")


def wrk(binary: str, url: str, headers: dict[str, str], connections: int, seconds: int) -> dict:
    """Requests per second and the p50 latency (ms) of one wrk run."""
    args = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        sys.exit(f"{url} answered errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p50 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return {"rps": rps, "p50": p50}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    binary = ensure_wrk()

    platform_env: dict[str, str] = {}
    with started_platform(env_out=platform_env) as headers:
        env = {
            **platform_env,
            "MINIMAL_DATABASE_URL": platform_env["CONTRACTS_DATABASE_URL"],
            "MINIMAL_PUBLIC_KEY_FILE": platform_env["CONTRATO_JWT_PUBLIC_KEY_FILE"],
        }
        bench_dir = str(Path(__file__).resolve().parent)
        minimal = start("_minimal_app:create_app", MINIMAL_PORT, env, ["--app-dir", bench_dir])
        try:
            wait(f"http://127.0.0.1:{MINIMAL_PORT}/static")
            created = httpx.post(
                f"http://127.0.0.1:{SERVICE_PORT}/v1/organizations",
                json=OPERATOR,
                headers=headers,
            )
            assert created.status_code == 201, created.text
            targets = {
                "static (load generator ceiling)": (f"http://127.0.0.1:{MINIMAL_PORT}/static", {}),
                "(a) minimal endpoint": (f"http://127.0.0.1:{MINIMAL_PORT}{PATH}", headers),
                "(b) contracts service": (f"http://127.0.0.1:{SERVICE_PORT}{PATH}", headers),
                "(c) through the gateway": (f"http://127.0.0.1:{GATEWAY_PORT}{PATH}", headers),
            }
            for url, hdrs in targets.values():  # warm up every path
                wrk(binary, url, hdrs, 4, 1)
            runs: dict[str, list[dict]] = {name: [] for name in targets}
            for _ in range(args.rounds):
                for name, (url, hdrs) in targets.items():
                    sequential = wrk(binary, url, hdrs, 1, args.seconds)
                    loaded = wrk(binary, url, hdrs, args.concurrency, args.seconds)
                    runs[name].append({"p50": sequential["p50"], "rps": loaded["rps"]})
        finally:
            minimal.terminate()
            minimal.wait(10)

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    def spread(name: str, key: str) -> str:
        values = [r[key] for r in runs[name]]
        return f"{min(values):.2f}-{max(values):.2f}"

    base = "(a) minimal endpoint"
    print(f"{args.rounds} alternating rounds of {args.seconds} s per target and measure; "
          f"p50 one request at a time, throughput at {args.concurrency} at a time")  # fmt: skip
    print(f"{'':34} {'p50 ms':>7} {'(spread)':>13} {'req/s':>7} {'(spread)':>17} "
          f"{'p50 ratio':>9} {'rps ratio':>9}")  # fmt: skip
    for name in runs:
        p50, rps = median(name, "p50"), median(name, "rps")
        print(f"{name:34} {p50:7.2f} {spread(name, 'p50'):>13} {rps:7.0f} "
              f"{spread(name, 'rps'):>17} {median(base, 'p50') / p50:9.2f} "
              f"{rps / median(base, 'rps'):9.2f}")  # fmt: skip
    service, gateway = "(b) contracts service", "(c) through the gateway"
    print(
        f"service vs minimal: latency {median(base, 'p50') / median(service, 'p50'):.2f}, "
        f"throughput {median(service, 'rps') / median(base, 'rps'):.2f} (goal >= 0.5 both)"
    )
    print(
        f"gateway: adds {median(gateway, 'p50') - median(service, 'p50'):+.2f} ms at p50 "
        f"(goal < 1), keeps {median(gateway, 'rps') / median(service, 'rps'):.2f} of the "
        f"service's throughput (goal >= 0.8)"
    )
    ceiling = median("static (load generator ceiling)", "rps")
    print(
        f"load generator ceiling: {ceiling:.0f} req/s against the static endpoint "
        f"({ceiling / median(base, 'rps'):.1f}x the minimal endpoint's)"
    )


if __name__ == "__main__":
    main()

"""Erlang C staffing for 96 intervals up to 5,000 agents vs a direct baseline.

    uv run python bench/bench_erlang.py [--runs 5]

Times ``required_agents`` (one upward pass carrying Erlang B) for a day of 96 quarter-hour
intervals whose traffic climbs to ~4,900 Erlangs (about 5,000 agents), and compares with the
naive search a spreadsheet would do: for each candidate N, recompute Erlang C from scratch.
Prints both times and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

from metrics.staffing import erlang


def intervals() -> list[float]:
    # 96 quarter hours, 300 s AHT, volume rising to ~14,700 contacts (~4,900 Erlangs).
    return [erlang.traffic_erlangs(150 + i * 153, 300, 900) for i in range(96)]


def naive_required(traffic: float, aht: float, target: float, threshold: float) -> int:
    n = int(traffic) + 1
    while erlang.achieved(n, traffic, aht, threshold).service_level < target:
        n += 1
    return n


def main(runs: int) -> None:
    loads = intervals()
    fast, agents = [], []
    for _ in range(runs):
        started = time.perf_counter()
        agents = [
            erlang.required_agents(a, 300, target_service_level=0.8, threshold=20).agents
            for a in loads
        ]
        fast.append(time.perf_counter() - started)
    started = time.perf_counter()
    sample = loads[::12]  # the naive search is quadratic: time 8 intervals and scale up
    naive = [naive_required(a, 300, 0.8, 20) for a in sample]
    naive_seconds = (time.perf_counter() - started) * len(loads) / len(sample)
    assert naive == agents[::12]
    fast_ms = statistics.median(fast) * 1000
    print(f"intervals: 96, peak traffic {max(loads):,.0f} Erlangs, peak agents {max(agents):,}")
    print(f"Erlang C staffing (one pass):     {fast_ms:.1f} ms")
    print(f"naive search (C from scratch):    {naive_seconds * 1000:.0f} ms (estimated for 96)")
    print(f"ratio one pass / naive:           {fast_ms / (naive_seconds * 1000):.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)

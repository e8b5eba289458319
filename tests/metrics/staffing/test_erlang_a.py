"""Erlang A against a discrete-event simulation of the same queue, and against Erlang C as
patience grows without bound."""

import heapq
import math
import random

import pytest

from metrics.staffing import erlang, erlang_a


def simulate(
    agents: int,
    traffic: float,
    aht: float,
    threshold: float,
    patience: float,
    *,
    calls: int = 500_000,
    seed: int = 7,
) -> tuple[float, float]:
    """M/M/N+M served first come, first served: (answered within threshold / offered,
    abandoned / offered), after a warm-up of a tenth of the calls.

    Callers are taken in arrival order: each one is answered by the first agent free after
    it arrives, unless that is later than its patience allows, in which case it hangs up and
    takes no agent. (Who is answered and when depends only on earlier callers: exact.)"""
    rng = random.Random(seed)
    rate = traffic / aht
    free_at = [0.0] * agents  # when each agent is next free, a heap
    now = 0.0
    warm_up = calls // 10
    within = abandoned = 0
    for n in range(calls):
        now += rng.expovariate(rate)
        start = max(now, free_at[0]) if agents else math.inf
        counted = n >= warm_up
        if start - now > rng.expovariate(1 / patience):
            abandoned += counted
            continue
        heapq.heapreplace(free_at, start + rng.expovariate(1 / aht))
        within += counted and start - now <= threshold
    offered = calls - warm_up
    return within / offered, abandoned / offered


# (agents, erlangs, AHT s, threshold s, mean patience s): light to overloaded queues
GRID = [
    (6, 4.5, 240, 20, 120),
    (12, 11.0, 180, 20, 60),
    (25, 24.0, 300, 30, 300),
    (40, 44.0, 300, 20, 180),  # more load than agents: only abandonment keeps it finite
    (60, 55.0, 200, 15, 45),
]


@pytest.mark.parametrize(("agents", "traffic", "aht", "threshold", "patience"), GRID)
def test_service_level_and_abandonment_match_the_simulation(
    agents: int, traffic: float, aht: float, threshold: float, patience: float
) -> None:
    model = erlang_a.achieved(agents, traffic, aht, threshold, patience)
    level, abandonment = simulate(agents, traffic, aht, threshold, patience)
    assert abs(model.service_level - level) <= 0.01, (model.service_level, level)
    assert abs(model.abandonment - abandonment) <= 0.01, (model.abandonment, abandonment)


@pytest.mark.parametrize(("traffic", "aht", "threshold", "patience", "target"), [
    (9.0, 240, 20, 90, 0.8),
    (30.0, 300, 20, 240, 0.85),
])  # fmt: skip
def test_required_agents_agree_with_the_simulation_within_one(
    traffic: float, aht: float, threshold: float, patience: float, target: float
) -> None:
    needed = erlang_a.required_agents(
        traffic, aht, target_service_level=target, threshold=threshold, patience=patience
    ).agents
    # The simulation's answer is within one agent: one more meets the target, two fewer miss.
    assert simulate(needed + 1, traffic, aht, threshold, patience)[0] >= target
    assert simulate(needed - 2, traffic, aht, threshold, patience)[0] < target


@pytest.mark.parametrize(("agents", "traffic"), [(5, 3.2), (50, 45.0), (300, 290.0)])
def test_endless_patience_is_erlang_c(agents: int, traffic: float) -> None:
    c = erlang.achieved(agents, traffic, 180, 20)
    a = erlang_a.achieved(agents, traffic, 180, 20, patience=1e12)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-7)
    assert a.probability_of_waiting == pytest.approx(c.probability_of_waiting, abs=1e-7)
    assert c.asa_seconds is not None
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-5)
    assert a.abandonment == pytest.approx(0, abs=1e-7)


def test_abandonment_lowers_the_agents_needed() -> None:
    """Callers who hang up lighten the queue: Erlang A staffs fewer agents than Erlang C."""
    c = erlang.required_agents(90, 300, target_service_level=0.8, threshold=20)
    a = erlang_a.required_agents(90, 300, target_service_level=0.8, threshold=20, patience=120)
    assert a.agents < c.agents


def test_patience_shorter_than_the_threshold_can_need_more_than_erlang_c() -> None:
    """Callers who hang up before the threshold are never answered within it: then only more
    agents than Erlang C's keep the level (the search does not stop at Erlang C's answer)."""
    c = erlang.required_agents(10.0, 300, target_service_level=0.9, threshold=600)
    a = erlang_a.required_agents(10.0, 300, target_service_level=0.9, threshold=600, patience=10)
    assert erlang_a.achieved(c.agents, 10.0, 300, 600, 10).service_level < 0.9
    assert a.agents > c.agents
    assert a.service_level >= 0.9
    assert erlang_a.achieved(a.agents - 1, 10.0, 300, 600, 10).service_level < 0.9


def test_thousands_of_agents_and_overload_stay_finite() -> None:
    big = erlang_a.achieved(5_000, 4_950.0, 300, 20, 180)
    assert 0 < big.service_level <= 1 and 0 <= big.abandonment < 0.05
    overloaded = erlang_a.achieved(100, 150.0, 300, 20, 120)
    assert overloaded.abandonment == pytest.approx(1 - 100 / 150, abs=0.02)
    assert overloaded.occupancy == pytest.approx(1.0, abs=0.01)

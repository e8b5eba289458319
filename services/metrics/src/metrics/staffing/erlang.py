"""Erlang C, numerically stable: Erlang B by its recursion B(n) = A·B(n-1) / (n + A·B(n-1)),
then C = N·B / (N - A·(1 - B)). No factorials or powers, so it holds at thousands of agents.
With N <= A the queue never empties: probability of waiting 1, service level 0, ASA infinite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction


def traffic_erlangs(volume: float, aht_seconds: float, interval_seconds: float) -> float:
    return volume * aht_seconds / interval_seconds


def erlang_b(agents: int, traffic: float) -> float:
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return b


def erlang_c_from_b(agents: int, traffic: float, b: float) -> float:
    if agents <= traffic:
        return 1.0
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a contact waits."""
    return erlang_c_from_b(agents, traffic, erlang_b(agents, traffic))


@dataclass(frozen=True)
class Staffing:
    agents: int
    traffic: float
    probability_of_waiting: float
    service_level: float
    asa_seconds: float | None
    occupancy: float


def figures(agents: int, traffic: float, aht: float, threshold: float, c: float) -> Staffing:
    if agents <= traffic:
        return Staffing(agents, traffic, 1.0, 0.0, None, 1.0 if agents else 0.0)
    gap = agents - traffic
    service_level = 1.0 - c * math.exp(-gap * threshold / aht)
    return Staffing(
        agents=agents,
        traffic=traffic,
        probability_of_waiting=c,
        service_level=service_level,
        asa_seconds=c * aht / gap,
        occupancy=traffic / agents,
    )


def achieved(agents: int, traffic: float, aht: float, threshold: float) -> Staffing:
    return figures(agents, traffic, aht, threshold, erlang_c(agents, traffic))


def required_agents(
    traffic: float,
    aht: float,
    *,
    target_service_level: float,
    threshold: float,
    max_occupancy: float | None = None,
    max_agents: int = 100_000,
) -> Staffing:
    """The fewest agents meeting the service level (and the occupancy cap, if any).

    One upward pass: Erlang B is carried from n-1 to n, so each candidate costs O(1) and the
    whole search O(N), with N in the thousands in milliseconds. Service level rises with N above
    the traffic, so the first N that meets the target is the answer."""
    if traffic <= 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    if not math.isfinite(traffic) or traffic >= max_agents:
        raise ValueError(f"{traffic:.0f} erlangs is more than {max_agents} agents can carry")
    b = 1.0
    n = 0
    start = math.floor(traffic) + 1
    while n < max_agents:
        n += 1
        b = traffic * b / (n + traffic * b)
        if n < start:
            continue
        result = figures(n, traffic, aht, threshold, erlang_c_from_b(n, traffic, b))
        if result.service_level >= target_service_level and (
            max_occupancy is None or result.occupancy <= max_occupancy
        ):
            return result
    raise ValueError(f"no staffing up to {max_agents} agents meets the target")


def scheduled_staff(agents: int, shrinkage: Decimal | str) -> int:
    """ceil(agents / (1 - shrinkage)), exactly (0.3 is not a float's 0.3)."""
    fraction = Fraction(Decimal(shrinkage))
    if not 0 <= fraction < 1:
        raise ValueError("shrinkage is a fraction in [0, 1)")
    return math.ceil(Fraction(agents) / (1 - fraction))

"""Erlang A (Palm's M/M/N+M): Erlang C's queue where callers also hang up, each after an
exponentially distributed patience of mean ``patience`` seconds.

Erlang C assumes everyone waits forever, so with too few agents its queue never empties and it
staffs for callers who would have hung up. Real queues shed load by abandonment: Erlang A
predicts a higher service level than Erlang C for the same agents (it needs fewer), and stays
finite when the load exceeds the agents.

The state is the number of contacts in the system, ``j``: births at rate λ, deaths at ``jμ``
up to N and ``Nμ + (j-N)θ`` above (θ = 1/patience). A caller arriving to ``N + k`` (PASTA:
with probability π(N+k)) has ``k`` ahead. With ``m`` in the queue counting itself, the queue
ahead of it shrinks at ``Nμ + (m-1)θ`` and it hangs up at θ, so it leaves that stage at
``θ(x + m)``, x = Nμ/θ, and is still waiting afterwards with probability ``(x + m - 1)/(x + m)``:

- it is answered with probability ``x / (x + k + 1)`` (the product telescopes);
- given it is answered, its wait is a sum of Exp(θ(x + m)), m = 1..k+1, which is distributed as
  the (k+1)-th smallest of ``x + k + 1`` independent Exp(θ) (Rényi), so
  P(wait <= t) = I_p(k + 1, x + 1) with p = 1 - e^(-θt), the regularized incomplete beta
  function (valid for any real x > 0);
- its expected time in the queue is ``(k + 1) / (θ(x + k + 1))`` (Little: P(abandon) = θ·E[Q]/λ).

π(N) relative to the states below comes from Erlang B (π(N) / Σ_{j<=N} π(j) = B(N, A)), and
the queue's states from the ratios π(N+k)/π(N+k-1) = λ / (Nμ + kθ), summed in logarithms until
they are negligible: stable at thousands of agents and under overload. As θ → 0 every figure
tends to Erlang C's (tested), and the model is validated against a discrete-event simulation
of the same queue (``tests/metrics/staffing/test_erlang_a.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from metrics.staffing.erlang import erlang_b

# The queue's states are summed until their weight is this small a share of the total.
NEGLIGIBLE = 1e-15
MAX_QUEUE_STATES = 1_000_000


@dataclass(frozen=True)
class ErlangA:
    agents: int
    traffic: float
    service_level: float  # answered within the threshold / offered
    probability_of_waiting: float
    abandonment: float  # abandoned / offered
    asa_seconds: float  # mean wait of the answered contacts (0 for those answered at once)
    mean_wait_seconds: float  # mean time in queue of all contacts, answered or not
    occupancy: float  # answered load / agents


def _log_add(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    high, low = (a, b) if a >= b else (b, a)
    return high + math.log1p(math.exp(low - high))


def achieved(agents: int, traffic: float, aht: float, threshold: float, patience: float) -> ErlangA:
    """Erlang A's figures for ``agents`` against ``traffic`` erlangs of contacts of mean
    handling time ``aht`` seconds whose callers' mean patience is ``patience`` seconds."""
    if agents < 0 or traffic < 0 or aht <= 0 or patience <= 0 or threshold < 0:
        raise ValueError("agents, traffic and threshold >= 0; AHT and patience > 0")
    if traffic == 0:
        return ErlangA(agents, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    mu, theta = 1.0 / aht, 1.0 / patience
    lam = traffic * mu
    x = agents * mu / theta  # Nμ/θ
    y = lam / theta  # λ/θ
    # Queue states k = 0.. (π(N+k)/π(N) as logarithms), scaled by B so that Σ_{j<=N} = 1.
    b = erlang_b(agents, traffic) if agents > 0 else 1.0
    log_b = math.log(b) if b > 0 else -math.inf
    log_weights = [log_b]  # k = 0: π(N)
    log_total = 0.0 if agents > 0 else log_b  # Σ_{j<=N}, with π(N) = B of it
    log_r = 0.0
    k = 0
    while True:
        k += 1
        log_r += math.log(y) - math.log(x + k)
        log_w = log_b + log_r
        log_total = _log_add(log_total, log_w)
        log_weights.append(log_w)
        decreasing = y < x + k
        if decreasing and log_w - log_total < math.log(NEGLIGIBLE):
            break
        if k >= MAX_QUEUE_STATES:
            raise ValueError("the queue does not settle: patience too long for this overload")
    below = (1.0 - b) * math.exp(-log_total) if agents > 0 else 0.0  # π(j < N)
    p = -math.expm1(-theta * threshold)  # P(one Exp(θ) <= threshold)
    log_p = math.log(p) if p > 0 else -math.inf
    log_q = -theta * threshold  # log(1 - p)
    # I_p(1, x+1) = 1 - (1-p)^(x+1); then I_p(a+1, b) = I_p(a, b) - p^a (1-p)^b / (a B(a, b)),
    # whose subtracted term is carried from a to a+1 by the factor p (a + b) / (a + 1).
    incomplete = -math.expm1((x + 1) * log_q) if p > 0 else 0.0
    log_term = log_p + (x + 1) * log_q + math.log(x + 1)  # a = 1: p (1-p)^b · b
    harmonic = 0.0  # Σ_{m<=stages} 1/(x + m): an answered caller's mean wait, in 1/θ
    within = answered = waited = served_wait = 0.0
    for k, log_w in enumerate(log_weights):
        weight = math.exp(log_w - log_total)
        stages = k + 1
        harmonic += 1.0 / (x + stages)
        answered_share = x / (x + stages)
        answered += weight * answered_share
        within += weight * answered_share * max(incomplete, 0.0)
        waited += weight * stages / (theta * (x + stages))
        served_wait += weight * answered_share * harmonic / theta
        if incomplete > 0:
            incomplete -= math.exp(log_term)
            log_term += log_p + math.log(stages + x + 1) - math.log(stages + 1)
    wait_probability = 1.0 - below
    answered_total = below + answered
    return ErlangA(
        agents=agents,
        traffic=traffic,
        service_level=below + within,
        probability_of_waiting=wait_probability,
        abandonment=1.0 - answered_total,
        asa_seconds=served_wait / answered_total if answered_total > 0 else math.inf,
        mean_wait_seconds=waited,
        occupancy=min(1.0, traffic * answered_total / agents) if agents else 0.0,
    )


def required_agents(
    traffic: float,
    aht: float,
    *,
    target_service_level: float,
    threshold: float,
    patience: float,
    max_occupancy: float | None = None,
    max_agents: int = 100_000,
) -> ErlangA:
    """The fewest agents whose Erlang A service level meets the target (and the occupancy
    cap). Service level rises with agents, so a bisection between 0 and Erlang C's answer
    (Erlang A never needs more, callers who hang up lighten the queue) finds it."""
    if traffic <= 0:
        return achieved(0, 0.0, aht, threshold, patience)
    from metrics.staffing import erlang

    upper = erlang.required_agents(
        traffic,
        aht,
        target_service_level=target_service_level,
        threshold=threshold,
        max_occupancy=max_occupancy,
        max_agents=max_agents,
    ).agents

    def meets(n: int) -> bool:
        got = achieved(n, traffic, aht, threshold, patience)
        return got.service_level >= target_service_level and (
            max_occupancy is None or got.occupancy <= max_occupancy
        )

    # Usually Erlang C's answer is enough (callers who hang up lighten the queue), but
    # callers whose patience is shorter than the threshold are lost even to an idle-ish queue.
    high = upper
    while not meets(high):
        if high >= max_agents:
            raise ValueError(f"no staffing up to {max_agents} agents meets the target")
        high = min(max_agents, high * 2)
    low = 0
    while low < high:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle + 1
    return achieved(low, traffic, aht, threshold, patience)

"""Per-upstream circuit breakers and per-principal token buckets. In memory, per gateway
process: with several gateways, each keeps its own (the limits then apply per instance;
move the buckets to Redis when that matters)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum

import structlog

log = structlog.get_logger("gateway.resilience")


class BreakerState(StrEnum):
    closed = "closed"
    open = "open"
    half_open = "half_open"


@dataclass
class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; after ``cooldown`` seconds lets one
    probe through (half-open); the probe's success closes it, its failure opens it again."""

    upstream: str
    threshold: int = 5
    cooldown: float = 10.0
    state: BreakerState = BreakerState.closed
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = False
    on_change: list = field(default_factory=list)  # callbacks(upstream, state)

    def retry_after(self) -> int:
        return max(1, math.ceil(self.cooldown - (time.monotonic() - self.opened_at)))

    def allow(self) -> bool:
        if self.state is BreakerState.closed:
            return True
        if self.state is BreakerState.open:
            if time.monotonic() - self.opened_at < self.cooldown:
                return False
            self._move(BreakerState.half_open)
        if self.probing:  # half-open: one request at a time finds out
            return False
        self.probing = True
        return True

    def success(self) -> None:
        self.failures = 0
        self.probing = False
        if self.state is not BreakerState.closed:
            self._move(BreakerState.closed)

    def failure(self) -> None:
        self.failures += 1
        self.probing = False
        if self.state is BreakerState.half_open or self.failures >= self.threshold:
            self.opened_at = time.monotonic()
            if self.state is not BreakerState.open:
                self._move(BreakerState.open)

    def _move(self, state: BreakerState) -> None:
        log.warning("circuit.state_changed", upstream=self.upstream, state=state.value)
        self.state = state
        for callback in self.on_change:
            callback(self.upstream, state)


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after: int


class RateLimiter:
    """Token bucket per principal: ``burst`` requests at once, refilled at ``rate`` per second.
    Keeps at most ``max_keys`` buckets (least recently used are forgotten, which only ever
    gives a forgotten principal a full bucket)."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()

    def hit(self, key: str, cost: float = 1.0) -> RateDecision:
        now = time.monotonic()
        bucket = self.buckets.pop(key, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        allowed = bucket.tokens >= cost
        if allowed:
            bucket.tokens -= cost
        self.buckets[key] = bucket
        if len(self.buckets) > self.max_keys:
            self.buckets.popitem(last=False)
        missing = self.burst - bucket.tokens
        return RateDecision(
            allowed=allowed,
            limit=self.burst,
            remaining=int(bucket.tokens),
            reset_seconds=math.ceil(missing / self.rate) if missing > 0 else 0,
            retry_after=0 if allowed else math.ceil((cost - bucket.tokens) / self.rate),
        )

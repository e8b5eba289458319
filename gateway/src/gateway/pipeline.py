"""The proxy pipeline: what happens to a request under ``/v1`` that the gateway does not serve
itself, as the named steps it goes through, in order:

1. ``refuse_local_methods`` — a path the gateway serves itself only takes its own methods;
2. ``Router.resolve`` — the first path segment names the upstream;
3. ``Guard.principal`` — the token is verified, not revoked, and the caller within its rate;
4. ``Guard.check_route`` — the service's own declaration of who may call this route;
5. ``admit`` — the upstream's circuit breaker lets the call through;
6. ``forward`` and ``relay`` — the request streamed upstream and its answer back;
7. ``record`` — the outcome told to the breaker and the metrics.

Each step is a plain call, not a dependency or a middleware: this path runs for every API
request, and its cost per request is measured (``bench/bench_request_cost.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx
from fastapi.routing import APIRoute
from prometheus_client import Gauge
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from gateway.guard import Guard
from gateway.proxy import Router, forward, relay
from gateway.resilience import BreakerState, CircuitBreaker
from gateway.settings import GatewaySettings
from shared.errors import MethodNotAllowed, UpstreamError, UpstreamUnavailable
from shared.observability import Metrics

# Every method goes through, so the service itself answers 405 with its own Allow header.
PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]
# Upstream answers that count as the upstream failing, for its circuit breaker.
UPSTREAM_FAILURE_STATUSES = frozenset({502, 503, 504})


def circuit_breakers(settings: GatewaySettings, metrics: Metrics) -> dict[str, CircuitBreaker]:
    """One breaker per upstream, each reporting its state on the ``gateway_circuit_open``
    gauge, so an operator sees which upstream the gateway has stopped calling."""
    breaker_state = Gauge(
        "gateway_circuit_open",
        "1 while the circuit breaker of an upstream is open or half-open",
        ["upstream"],
        registry=metrics.registry,
    )
    return {
        name: CircuitBreaker(
            name,
            threshold=settings.breaker_failure_threshold,
            cooldown=settings.breaker_cooldown_seconds,
            on_change=[
                lambda upstream, state: breaker_state.labels(upstream).set(
                    0 if state is BreakerState.closed else 1
                )
            ],
        )
        for name in settings.upstreams
    }


def refuse_local_methods(local_routes: Iterable[APIRoute], request: Request) -> None:
    """The gateway's own routes under /v1 (API clients) share their paths with the proxy's
    catch-all: a method they do not take at such a path is a 405 naming the methods they do,
    not a call forwarded to an upstream that has no such path."""
    allowed: set[str] = set()
    path = request.url.path
    for route in local_routes:
        if route.path_regex.match(path):
            allowed |= route.methods or set()
    if allowed and request.method not in allowed:
        raise MethodNotAllowed(
            f"{request.method} is not allowed here",
            headers={"Allow": ", ".join(sorted(allowed))},
        )


def admit(breaker: CircuitBreaker) -> None:
    """While an upstream is failing, calls to it are refused at once (503 with Retry-After)
    instead of piling up behind its timeouts; a probe gets through after the cooldown."""
    if not breaker.allow():
        raise UpstreamUnavailable(
            breaker.upstream,
            f"{breaker.upstream} is failing; calls are paused for a moment",
            headers={"Retry-After": str(breaker.retry_after())},
        )


def record(breaker: CircuitBreaker, metrics: Metrics, upstream_response: httpx.Response) -> None:
    """An answer of 502/503/504 counts as a failure of the upstream, any other as a success:
    the upstream answered, whatever it said of the caller's request."""
    if upstream_response.status_code in UPSTREAM_FAILURE_STATUSES:
        breaker.failure()
        metrics.upstream_errors.labels("gateway", breaker.upstream, "status").inc()
    else:
        breaker.success()


class ProxyPipeline:
    """The steps above, bound to the gateway's settings, breakers and metrics. Its ``handle``
    is the endpoint of the ``/v1/{path}`` route (a plain Starlette route: no body parsing, no
    response model). The pooled client and the guard are made by the lifespan and read from
    ``app.state``."""

    def __init__(
        self,
        settings: GatewaySettings,
        breakers: dict[str, CircuitBreaker],
        metrics: Metrics,
        local_routes: Iterable[BaseRoute],
    ) -> None:
        self.router = Router(settings.routes, settings.upstreams)
        self.upstreams = settings.upstreams
        self.breakers = breakers
        self.metrics = metrics
        self.local_routes = [route for route in local_routes if isinstance(route, APIRoute)]
        self.max_body_bytes = settings.max_body_bytes
        self.max_bulk_body_bytes = settings.max_bulk_body_bytes
        self.bulk_segments = settings.bulk_segments

    def body_limit(self, segment: str) -> int:
        """Bulk ingestion routes take larger bodies than the rest of the API."""
        return self.max_bulk_body_bytes if segment in self.bulk_segments else self.max_body_bytes

    async def handle(self, request: Request) -> Response:
        refuse_local_methods(self.local_routes, request)
        segment, upstream = self.router.resolve(request.url.path)
        request.state.upstream = upstream
        guard: Guard = request.app.state.guard
        principal, rate_limit_headers = await guard.principal(request)
        guard.check_route(principal, request.method, request.url.path)
        breaker = self.breakers[upstream]
        admit(breaker)
        try:
            upstream_response = await forward(
                request.app.state.client,
                upstream,
                self.upstreams[upstream],
                request,
                max_body_bytes=self.body_limit(segment),
            )
            answer = await relay(upstream, upstream_response, rate_limit_headers)
        except UpstreamError as exc:
            breaker.failure()
            self.metrics.upstream_errors.labels("gateway", upstream, exc.slug).inc()
            raise
        except BaseException:
            breaker.probing = False  # the caller's fault (e.g. body too large), not the upstream's
            raise
        record(breaker, self.metrics, upstream_response)
        return answer

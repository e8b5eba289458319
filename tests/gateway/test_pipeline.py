"""The proxy pipeline's steps on their own, without an app: the breaker's admission and
bookkeeping, the local-route method check, and the not-ready answer shared with the services."""

import json

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.requests import Request

from gateway.api_clients.router import router as api_clients_router
from gateway.pipeline import admit, record, refuse_local_methods
from gateway.resilience import BreakerState, CircuitBreaker
from shared.errors import MethodNotAllowed, UpstreamUnavailable
from shared.health import not_ready
from shared.observability import Metrics


def request(method: str, path: str) -> Request:
    return Request({"type": "http", "method": method, "path": path, "query_string": b"",
                    "headers": [], "scheme": "http", "server": ("gw", 80)})  # fmt: skip


def test_an_open_breaker_refuses_with_retry_after() -> None:
    breaker = CircuitBreaker("contracts", threshold=1, cooldown=30)
    admit(breaker)  # closed: through
    breaker.failure()
    assert breaker.state is BreakerState.open
    with pytest.raises(UpstreamUnavailable) as refused:
        admit(breaker)
    assert refused.value.headers is not None
    assert int(refused.value.headers["Retry-After"]) >= 29


def test_an_upstream_failure_status_counts_against_the_breaker() -> None:
    metrics = Metrics("gateway-pipeline-test")
    breaker = CircuitBreaker("contracts", threshold=2)
    record(breaker, metrics, httpx.Response(503))
    assert breaker.failures == 1
    record(breaker, metrics, httpx.Response(404))  # the upstream answered: a success
    assert breaker.failures == 0 and breaker.state is BreakerState.closed


def test_a_local_path_takes_only_its_own_methods() -> None:
    routes = [r for r in api_clients_router.routes if isinstance(r, APIRoute)]
    with pytest.raises(MethodNotAllowed) as refused:
        refuse_local_methods(routes, request("PUT", "/v1/api-clients"))
    assert refused.value.headers is not None
    assert "GET" in refused.value.headers["Allow"]
    refuse_local_methods(routes, request("GET", "/v1/organizations"))


def test_not_ready_is_a_problem_with_the_extra_members_last() -> None:
    response = not_ready("database unreachable: OSError", service="contracts")
    assert response.status_code == 503
    body = json.loads(response.body)
    assert list(body) == ["type", "title", "status", "detail", "service"]

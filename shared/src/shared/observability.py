"""Per-request context: request id, W3C trace context, one access-log line, Prometheus metrics.

Written as plain ASGI middleware (not ``BaseHTTPMiddleware``) so streamed bodies pass through
untouched and the cost per request stays small.
"""

from __future__ import annotations

import contextvars
import os
import random
import re
import secrets
import time
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as prometheus_text
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

# What the service-to-service client reads to pass the context on.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
current_traceparent: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "traceparent", default=None
)

access_log = structlog.get_logger("access")


# Request and trace ids only have to be unique, not secret: a seeded generator spares a
# system call (os.urandom) on every request.
_ids = random.Random(secrets.randbits(128))  # noqa: S311
os.register_at_fork(after_in_child=lambda: _ids.seed(secrets.randbits(128)))  # no twin streams


def _hex(bits: int) -> str:
    return f"{_ids.getrandbits(bits):0{bits // 4}x}"


def new_request_id() -> str:
    return _hex(128)


def child_traceparent(incoming: str | None) -> str:
    """Continue the caller's trace with a new span id, or start a new trace."""
    match = _TRACEPARENT.match(incoming or "")
    trace_id = match.group(1) if match else _hex(128)
    flags = match.group(3) if match else "01"
    return f"00-{trace_id}-{_hex(64)}-{flags}"


class Metrics:
    """The Prometheus collectors of one app, in a registry of its own (tests build many apps)."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route, method and status",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.upstream_errors = Counter(
            "upstream_errors_total",
            "Failed calls to other services, by upstream and kind",
            ["service", "upstream", "kind"],
            registry=self.registry,
        )
        self.service = service

    def endpoint(self, _: Request) -> Response:
        return Response(prometheus_text(self.registry), media_type=CONTENT_TYPE_LATEST)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"


class RequestContextMiddleware:
    """Assigns the request id and trace context, logs one line, records metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics, quiet_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.quiet_paths = quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        incoming_id = headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming_id if _SAFE_REQUEST_ID.match(incoming_id) else new_request_id()
        traceparent = child_traceparent(headers.get("traceparent"))
        scope.setdefault("state", {})["request_id"] = request_id
        id_token = current_request_id.set(request_id)
        trace_token = current_traceparent.set(traceparent)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status_holder: dict[str, Any] = {"status": 500}
        started = time.perf_counter()

        async def send_with_context(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                extra = [
                    (b"x-request-id", request_id.encode()),
                    (b"traceparent", traceparent.encode()),
                ]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            status = status_holder["status"]
            self.metrics.requests.labels(self.metrics.service, method, route, str(status)).inc()
            self.metrics.latency.labels(self.metrics.service, method, route).observe(elapsed)
            if scope["path"] not in self.quiet_paths:
                access_log.info(
                    "http.request",
                    method=method,
                    path=scope["path"],
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                    upstream=scope.get("state", {}).get("upstream"),
                )
            structlog.contextvars.unbind_contextvars("request_id")
            current_request_id.reset(id_token)
            current_traceparent.reset(trace_token)

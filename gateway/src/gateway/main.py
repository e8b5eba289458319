"""The gateway: the platform's only public entry. Routing, token checks, rate limits, circuit
breakers, one OpenAPI document. No business logic: each service checks the token again and
scopes its own queries.

The proxy path is a plain Starlette route, not a FastAPI one, to keep its cost per request
small: no body parsing, no response model, the body streamed both ways.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx
import structlog
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import Gauge
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api_clients.router import router as api_clients_router
from gateway.api_clients.router import token_router
from gateway.guard import Guard, RateLimitPolicy, check_path, guarded_principal
from gateway.openapi import OpenAPICache
from gateway.proxy import Router, forward, relay
from gateway.resilience import BreakerState, CircuitBreaker, RateLimiter
from gateway.revocations import Revocations
from gateway.settings import GatewaySettings, get_settings
from gateway.web import WEB_CSP, is_web_path, web_route
from shared.auth import current_principal
from shared.db import Database
from shared.docs import add_offline_docs
from shared.errors import (
    AppError,
    MethodNotAllowed,
    UpstreamError,
    UpstreamUnavailable,
    install_error_handlers,
    problem_response,
)
from shared.logging import configure_logging
from shared.migrations import current_revisions, head_revisions
from shared.observability import Metrics, RequestContextMiddleware
from shared.openapi import document_problems
from shared.query import reject_unknown_query_parameters
from shared.transport import AiohttpTransport

GATEWAY_DIR = Path(__file__).resolve().parents[2]
# Every method goes through, so the service itself answers 405 with its own Allow header.
PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]
UPSTREAM_FAILURE_STATUSES = frozenset({502, 503, 504})
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# The docs page loads only what the gateway serves: a CDN could not be reached even if the page
# asked for one (Swagger UI's page bootstraps with one inline script).
DOCS_CSP = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; frame-ancestors 'none'",
)

log = structlog.get_logger("gateway")


class SecurityHeadersMiddleware:
    """Hardening headers on every answer; a CSP that allows nothing but on the docs pages,
    which may load what the gateway itself serves."""

    def __init__(self, app: ASGIApp, web: bool = False) -> None:
        self.app = app
        self.web = web  # paths outside the API go to the web console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith("/docs") else API_CSP
        if self.web and is_web_path(scope["path"]):
            csp = WEB_CSP
        extra = [*SECURITY_HEADERS, csp]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RefuseDotSegmentsMiddleware:
    """Before routing and before any check: a path with '.' or '..' segments is refused, so
    the path that is checked is the path that is served and forwarded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                check_path(scope["path"])
            except AppError as exc:
                response = problem_response(exc.status, exc.problem(scope["path"]))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(
    settings: GatewaySettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """``transport`` lets tests route upstream calls to in-process apps."""
    settings = settings or get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.json_logs)
    metrics = Metrics(settings.service_name)
    breaker_state = Gauge(
        "gateway_circuit_open",
        "1 while the circuit breaker of an upstream is open or half-open",
        ["upstream"],
        registry=metrics.registry,
    )
    router = Router(settings.routes, settings.upstreams)
    breakers = {
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
    limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    window = max(1, round(settings.rate_limit_burst / settings.rate_limit_per_second))
    token_limits = settings.token_rate_limits
    heads = head_revisions(GATEWAY_DIR)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(
            connect=settings.connect_timeout_seconds,
            read=settings.read_timeout_seconds,
            write=settings.read_timeout_seconds,
            pool=settings.connect_timeout_seconds,
        )
        client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            # Production uses aiohttp's pool (``shared.transport``); tests pass their own.
            transport=transport or AiohttpTransport(max_connections=500),
            # Never keep a cookie an upstream sets (the web console's session): the pooled
            # client's jar would send one user's cookie with everyone's requests.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )
        database = Database(settings.sqlalchemy_url, pool_size=settings.database_pool_size)
        app.state.client = client
        app.state.database = database
        revocations = Revocations(database)
        app.state.revocations = revocations
        app.state.openapi_cache = OpenAPICache(
            client, settings.upstreams, settings.openapi_cache_seconds
        )
        app.state.token_verifier = settings.token_verifier()
        app.state.guard = Guard(
            app.state.token_verifier,
            revocations,
            RateLimitPolicy(limiter, window),
            token_requests_per_client=RateLimiter(*token_limits["client"]),
            token_requests_per_address=RateLimiter(*token_limits["address"]),
        )
        revocations.start()
        try:
            yield
        finally:
            await revocations.stop()
            await client.aclose()
            await database.dispose()

    app = FastAPI(
        title="Contrato gateway",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/gateway/openapi.json",
        dependencies=[Depends(reject_unknown_query_parameters)],
    )
    app.state.settings = settings
    app.state.breakers = breakers
    app.state.limiter = limiter
    install_error_handlers(app)
    # The gateway's own routes get their caller from the same guard as proxied routes.
    app.dependency_overrides[current_principal] = guarded_principal
    app.add_middleware(RefuseDotSegmentsMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, web=bool(settings.web_url))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=PROXY_METHODS,
            allow_headers=["authorization", "content-type", "idempotency-key", "if-match",
                           "x-request-id", "traceparent"],
            expose_headers=["etag", "location", "x-request-id", "retry-after", "ratelimit",
                            "ratelimit-policy"],
            max_age=600,
        )  # fmt: skip
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, quiet_paths=("/healthz", "/readyz", "/metrics")
    )
    app.include_router(token_router)
    app.include_router(api_clients_router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> Response:
        client: httpx.AsyncClient = request.app.state.client

        async def check(name: str, base_url: str) -> tuple[str, str]:
            try:
                response = await client.get(f"{base_url}/readyz", timeout=3.0)
            except httpx.HTTPError as exc:
                return name, f"unreachable ({type(exc).__name__})"
            if response.status_code == 200:
                return name, "ready"
            return name, f"not ready ({response.status_code})"

        async def own_database() -> tuple[str, str]:
            try:
                current = await current_revisions(request.app.state.database.engine)
            except Exception as exc:  # any failure to reach the database means "not ready"
                return "gateway", f"database unreachable ({type(exc).__name__})"
            return "gateway", "ready" if current == heads else "migrations not at head"

        results = dict(
            await asyncio.gather(
                own_database(), *(check(n, u) for n, u in settings.upstreams.items())
            )
        )
        if all(state == "ready" for state in results.values()):
            return JSONResponse({"status": "ready", "upstreams": results})
        body = {
            "type": "https://contrato.dev/problems/not-ready",
            "title": "Not ready",
            "status": 503,
            "detail": "not every part of the platform is ready",
            "upstreams": results,
        }
        return problem_response(503, body)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        cache: OpenAPICache = request.app.state.openapi_cache
        return JSONResponse(await cache.document(document_problems(app.openapi())))

    add_offline_docs(
        app, title="Contrato API", swagger_ui_parameters={"persistAuthorization": True}
    )

    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)

    def local_methods(path: str) -> set[str]:
        """Methods the gateway's own routes (API clients) serve at ``path``."""
        methods: set[str] = set()
        for route in api_clients_router.routes:
            if isinstance(route, APIRoute) and route.path_regex.match(path):
                methods |= route.methods or set()
        return methods

    async def proxy(request: Request) -> Response:
        if (allowed := local_methods(request.url.path)) and request.method not in allowed:
            raise MethodNotAllowed(
                f"{request.method} is not allowed here",
                headers={"Allow": ", ".join(sorted(allowed))},
            )
        segment, upstream = router.resolve(request.url.path)
        request.state.upstream = upstream
        guard: Guard = request.app.state.guard
        principal, headers = await guard.principal(request)
        guard.check_route(principal, request.method, request.url.path)
        breaker = breakers[upstream]
        if not breaker.allow():
            raise UpstreamUnavailable(
                upstream,
                f"{upstream} is failing; calls are paused for a moment",
                headers={"Retry-After": str(breaker.retry_after())},
            )
        max_body = (
            settings.max_bulk_body_bytes
            if segment in settings.bulk_segments
            else settings.max_body_bytes
        )
        try:
            upstream_response = await forward(
                request.app.state.client,
                upstream,
                settings.upstreams[upstream],
                request,
                max_body_bytes=max_body,
            )
            answer = await relay(upstream, upstream_response, headers)
        except UpstreamError as exc:
            breaker.failure()
            metrics.upstream_errors.labels("gateway", upstream, exc.slug).inc()
            raise
        except BaseException:
            breaker.probing = False  # the caller's fault (e.g. body too large), not the upstream's
            raise
        if upstream_response.status_code in UPSTREAM_FAILURE_STATUSES:
            breaker.failure()
            metrics.upstream_errors.labels("gateway", upstream, "status").inc()
        else:
            breaker.success()
        return answer

    app.add_route("/v1/{path:path}", proxy, methods=PROXY_METHODS)
    if settings.web_url:
        app.router.routes.append(web_route(settings.web_url, settings.max_body_bytes))

    return app

"""The gateway: the platform's only public entry. Routing, token checks, rate limits, circuit
breakers, one OpenAPI document. No business logic: each service checks the token again and
scopes its own queries.

This module only wires the parts together: the proxy path's steps are in ``pipeline``, health
and readiness in ``health``, the checks of a caller in ``guard``, the middlewares in
``middleware``. The proxy path is a plain Starlette route, not a FastAPI one, to keep its cost
per request small: no body parsing, no response model, the body streamed both ways.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request

from gateway.api_clients.router import router as api_clients_router
from gateway.api_clients.router import token_router
from gateway.guard import Guard, RateLimitPolicy, guarded_principal
from gateway.health import add_health_routes
from gateway.middleware import RefuseDotSegmentsMiddleware, SecurityHeadersMiddleware
from gateway.openapi import OpenAPICache
from gateway.pipeline import PROXY_METHODS, ProxyPipeline, circuit_breakers
from gateway.resilience import RateLimiter
from gateway.revocations import Revocations
from gateway.settings import GatewaySettings, get_settings
from gateway.web import web_route
from shared.auth import current_principal
from shared.db import Database
from shared.docs import add_offline_docs
from shared.errors import install_error_handlers
from shared.logging import configure_logging
from shared.migrations import head_revisions
from shared.observability import Metrics, RequestContextMiddleware
from shared.openapi import document_problems
from shared.query import reject_unknown_query_parameters
from shared.transport import AiohttpTransport

GATEWAY_DIR = Path(__file__).resolve().parents[2]


def upstream_client(
    settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    """The one pooled client every upstream call goes through."""
    timeout = httpx.Timeout(
        connect=settings.connect_timeout_seconds,
        read=settings.read_timeout_seconds,
        write=settings.read_timeout_seconds,
        pool=settings.connect_timeout_seconds,
    )
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        # Production uses aiohttp's pool (``shared.transport``); tests pass their own.
        transport=transport or AiohttpTransport(max_connections=500),
        # Never keep a cookie an upstream sets (the web console's session): the pooled
        # client's jar would send one user's cookie with everyone's requests.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )


def gateway_lifespan(
    settings: GatewaySettings,
    transport: httpx.AsyncBaseTransport | None,
    requests: RateLimitPolicy,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """What lives as long as the app, on ``app.state``: the upstream client, the database,
    the revocation list (refreshed in the background), the merged OpenAPI cache, the token
    verifier and the guard."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = upstream_client(settings, transport)
        database = Database(settings.sqlalchemy_url, pool_size=settings.database_pool_size)
        app.state.client = client
        app.state.database = database
        revocations = Revocations(database)
        app.state.revocations = revocations
        app.state.openapi_cache = OpenAPICache(
            client, settings.upstreams, settings.openapi_cache_seconds
        )
        app.state.token_verifier = settings.token_verifier()
        token_limits = settings.token_rate_limits
        app.state.guard = Guard(
            app.state.token_verifier,
            revocations,
            requests,
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

    return lifespan


def create_app(
    settings: GatewaySettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """``transport`` lets tests route upstream calls to in-process apps."""
    settings = settings or get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.json_logs)
    metrics = Metrics(settings.service_name)
    breakers = circuit_breakers(settings, metrics)
    limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    window = max(1, round(settings.rate_limit_burst / settings.rate_limit_per_second))

    app = FastAPI(
        title="Contrato gateway",
        lifespan=gateway_lifespan(settings, transport, RateLimitPolicy(limiter, window)),
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

    # Middlewares, innermost first.
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

    # Routes: the gateway's own, then the proxy's catch-all, then the web console's.
    app.include_router(token_router)
    app.include_router(api_clients_router)
    add_health_routes(app, settings.upstreams, head_revisions(GATEWAY_DIR))

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        """The platform's one document: the gateway's own routes and every service's."""
        cache: OpenAPICache = request.app.state.openapi_cache
        return JSONResponse(await cache.document(document_problems(app.openapi())))

    add_offline_docs(
        app, title="Contrato API", swagger_ui_parameters={"persistAuthorization": True}
    )
    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
    pipeline = ProxyPipeline(settings, breakers, metrics, api_clients_router.routes)
    app.add_route("/v1/{path:path}", pipeline.handle, methods=PROXY_METHODS)
    if settings.web_url:
        app.router.routes.append(web_route(settings.web_url, settings.max_body_bytes))

    return app

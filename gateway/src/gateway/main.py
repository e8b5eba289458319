"""The gateway: the platform's only public entry. Routing, token checks, one OpenAPI document.

No business logic lives here; each service checks the token again and scopes its own queries.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.requests import Request
from starlette.responses import Response

from gateway.openapi import OpenAPICache
from gateway.proxy import Router, forward
from gateway.settings import GatewaySettings, get_settings
from shared.auth import TokenVerifier
from shared.errors import Unauthorized, install_error_handlers, problem_response
from shared.logging import configure_logging
from shared.observability import Metrics, RequestContextMiddleware

PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_app(
    settings: GatewaySettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """``transport`` lets tests route upstream calls to in-process apps."""
    settings = settings or get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.json_logs)
    metrics = Metrics(settings.service_name)
    router = Router(settings.routes, settings.upstreams)

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
            limits=httpx.Limits(max_connections=500, max_keepalive_connections=100),
            follow_redirects=False,
            transport=transport,
        )
        app.state.client = client
        app.state.openapi_cache = OpenAPICache(
            client, settings.upstreams, settings.openapi_cache_seconds
        )
        app.state.token_verifier = TokenVerifier(
            [settings.public_key_pem()],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway=settings.jwt_leeway_seconds,
        )
        try:
            yield
        finally:
            await client.aclose()

    app = FastAPI(
        title="Contrato gateway",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, quiet_paths=("/healthz", "/readyz", "/metrics")
    )

    gateway_paths: dict[str, Any] = {
        "/healthz": {
            "get": {
                "summary": "Gateway liveness",
                "tags": ["health"],
                "security": [],
                "responses": {"200": {"description": "Alive"}},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Every upstream ready",
                "tags": ["health"],
                "security": [],
                "responses": {
                    "200": {"description": "Ready"},
                    "503": {"description": "An upstream is not ready"},
                },
            }
        },
    }

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
            return (
                name,
                "ready" if response.status_code == 200 else f"not ready ({response.status_code})",
            )

        results = dict(await asyncio.gather(*(check(n, u) for n, u in settings.upstreams.items())))
        if all(state == "ready" for state in results.values()):
            return JSONResponse({"status": "ready", "upstreams": results})
        body = {
            "type": "https://contrato.dev/problems/not-ready",
            "title": "Not ready",
            "status": 503,
            "detail": "an upstream is not ready",
            "upstreams": results,
        }
        return problem_response(503, body)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        cache: OpenAPICache = request.app.state.openapi_cache
        return JSONResponse(await cache.document(gateway_paths))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Contrato API",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)

    async def proxy(request: Request) -> Response:
        upstream = router.resolve(request.url.path)
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("missing bearer token")
        verifier: TokenVerifier = request.app.state.token_verifier
        verifier.verify(token)
        return await forward(
            request.app.state.client, upstream, settings.upstreams[upstream], request
        )

    app.add_route("/v1/{path:path}", proxy, methods=PROXY_METHODS)
    return app

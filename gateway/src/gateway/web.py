"""The web console behind the gateway: every path that is not the API's (``/v1``), the
gateway's own (``/oauth``, ``/docs``, ``/openapi.json``, ``/gateway``) or its health and
metrics goes to the web app (``GATEWAY_WEB_URL``), streamed like any upstream. The console
does its own sign-in and calls the API with the user's token, so nothing is checked here but
the path, the body size and the rate per address. Its pages get a Content-Security-Policy that
lets them load what they serve themselves, and nothing else."""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from gateway.guard import client_address
from gateway.proxy import forward, relay
from shared.errors import MethodNotAllowed, NotFound

# Paths the gateway keeps: never forwarded, whatever the method.
RESERVED_PREFIXES = ("/v1/", "/oauth/", "/docs/", "/gateway/")
RESERVED_PATHS = frozenset(
    {"/v1", "/oauth", "/docs", "/gateway", "/openapi.json", "/healthz", "/readyz", "/metrics"}
)
WEB_CSP = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
)


def is_web_path(path: str) -> bool:
    return path not in RESERVED_PATHS and not path.startswith(RESERVED_PREFIXES)


def _allowed_methods(routes: list[BaseRoute], scope: Scope, skip: BaseRoute) -> set[str]:
    """The methods the gateway's other routes take at this path (into included routers)."""
    allowed: set[str] = set()
    for route in routes:
        if route is skip:
            continue
        match, _ = route.matches(scope)
        if match is Match.NONE:
            continue
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner is not None:
            allowed |= _allowed_methods(inner, scope, skip)
        elif match is Match.PARTIAL:
            allowed |= getattr(route, "methods", None) or set()
    return allowed


def web_route(web_url: str, max_body_bytes: int) -> Route:
    """The catch-all route; added last, so every route of the gateway matches first."""

    async def to_web(request: Request) -> Response:
        if not is_web_path(request.url.path):
            # A reserved path whose method no route takes: what the router would have said.
            allowed = _allowed_methods(request.app.router.routes, request.scope, catch_all)
            if allowed:
                raise MethodNotAllowed(
                    f"{request.method} is not allowed here",
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
            raise NotFound("Not Found")
        # Console pages are limited per address like unauthenticated API calls (the API calls
        # a page makes count against its user as usual).
        limits = request.app.state.guard.requests.headers(f"ip:{client_address(request)}")
        client: httpx.AsyncClient = request.app.state.client
        upstream = await forward(client, "web", web_url, request, max_body_bytes=max_body_bytes)
        return await relay("web", upstream, limits)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    catch_all = Route("/{path:path}", to_web, methods=methods, include_in_schema=False)
    return catch_all

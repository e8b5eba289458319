"""The gateway's own middlewares, both plain ASGI (no per-request objects beyond what the
answer needs): dot segments refused before anything else looks at the path, and the hardening
headers on every answer."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.guard import check_path
from gateway.web import WEB_CSP, is_web_path
from shared.errors import AppError, problem_response

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

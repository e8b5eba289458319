"""The web console and client portal: server-rendered pages (Jinja2 + HTMX) over the
gateway's public API, called with the signed-in user's token. No database, no direct call to
any service. Errors the API answers are shown in words on the app's own pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode

import httpx
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logging import configure_logging
from web.api import ApiError, SignInAgain
from web.auth import CsrfRefused, Forbidden, NotSignedIn, sign_out
from web.oidc import OidcClient
from web.pages import admin, contracts, home, invoices, month_end, sign_in
from web.sessions import SessionMiddleware
from web.settings import WebSettings, get_settings
from web.templating import render

STATIC = Path(__file__).parent / "static"
log = structlog.get_logger("web")


def create_app(
    settings: WebSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """``transport`` lets a test answer the identity provider's calls (never the gateway's)."""
    settings = settings or get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.json_logs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        http = httpx.AsyncClient(
            base_url=settings.gateway_url,
            timeout=httpx.Timeout(settings.api_timeout_seconds, connect=5.0),
            follow_redirects=False,
            cookies=no_cookies(),  # shared by every user: it must remember nothing
        )
        idp_http = httpx.AsyncClient(timeout=10.0, transport=transport, cookies=no_cookies())
        app.state.http = http
        app.state.oidc = OidcClient(settings, idp_http) if settings.oidc_enabled else None
        try:
            yield
        finally:
            await http.aclose()
            await idp_http.aclose()

    app = FastAPI(
        title="Contrato web console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware, key=settings.session_key(), max_age=settings.session_max_age_seconds
    )
    app.add_middleware(NoStoreMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (sign_in, home, contracts, invoices, month_end, admin):
        app.include_router(module.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "web"}

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        query = {"next": exc.next_url, **({"expired": "1"} if exc.expired else {})}
        return _redirect(request, f"/sign-in?{urlencode(query)}")

    @app.exception_handler(SignInAgain)
    async def sign_in_again(request: Request, exc: SignInAgain) -> Response:
        sign_out(request)  # the sign-in page says why
        query = {"next": request.url.path, "expired": "1"}
        return _redirect(request, f"/sign-in?{urlencode(query)}")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(
            request,
            "error.html",
            403,
            title="Not available to you",
            detail="This page is for other roles than yours.",
        )

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return render(
            request,
            "error.html",
            403,
            title="The form expired",
            detail="The form was sent from an old or foreign page. Go back, reload it and "
            "try again.",
        )

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if exc.status == 404:
            return _not_found(request)
        log.info("web.api_error", status=exc.status, title=exc.title, path=request.url.path)
        if request.headers.get("hx-request"):
            # HTMX swaps only successful answers: the part of the page says what went wrong.
            return render(request, "_error.html", 200, title=exc.title, detail=exc.detail)
        return render(
            request,
            "error.html",
            exc.status if exc.status >= 400 else 502,
            title=exc.title,
            detail=exc.detail,
            errors=exc.field_errors,
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return _not_found(request)
        return render(request, "error.html", exc.status_code, title=str(exc.detail), detail="")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("web.unexpected_error", path=request.url.path)
        return render(
            request,
            "error.html",
            500,
            title="Something went wrong",
            detail="The page could not be shown. Try again; if it keeps failing, tell the "
            "platform team what you were doing.",
        )

    return app


class NoStoreMiddleware:
    """Pages show one user's data: no browser or proxy keeps a copy (the back button after
    sign-out, a shared computer). Static assets are left cacheable."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["cache-control"] = "no-store"
                headers.add_vary_header("cookie")
            await send(message)

        await self.app(scope, receive, send_no_store)


def no_cookies() -> CookieJar:
    """A cookie jar that keeps nothing."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def _not_found(request: Request) -> Response:
    return render(
        request,
        "error.html",
        404,
        title="Page not found",
        detail="There is nothing here, or it is not yours to see.",
    )


def _redirect(request: Request, url: str) -> Response:
    """A redirect; for an HTMX request, the header that makes HTMX load the whole page."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)

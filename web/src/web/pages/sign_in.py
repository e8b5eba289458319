"""Sign-in and sign-out: the development page (demo users), OpenID Connect, sign-out."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from web.api import ApiError
from web.auth import (
    STAFF,
    CsrfChecked,
    User,
    demo_clients,
    development_user,
    safe_next,
    sign_in,
    sign_out,
)
from web.oidc import OidcClient, OidcError
from web.settings import WebSettings
from web.templating import render

router = APIRouter()


def _settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str = "/", expired: bool = False) -> Response:
    settings = _settings(request)
    clients: list[dict[str, object]] = []
    problem = None
    if settings.development_sign_in:
        try:
            clients = await demo_clients(settings, request.app.state.http)
        except (ApiError, RuntimeError) as exc:
            problem = str(getattr(exc, "detail", "") or exc)
    return render(
        request,
        "sign_in.html",
        next=safe_next(next),
        expired=expired,
        staff=STAFF,
        clients=clients,
        development=settings.development_sign_in,
        oidc=settings.oidc_enabled,
        problem=problem,
    )


@router.post("/sign-in/development", dependencies=[CsrfChecked])
async def development_sign_in(
    request: Request,
    role: Annotated[str, Form()],
    client_id: Annotated[str | None, Form()] = None,
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = _settings(request)
    if not settings.development_sign_in:
        return render(request, "error.html", 404, title="Page not found", detail="")
    client = None
    if role == "client":
        try:
            wanted = str(uuid.UUID(client_id or ""))
        except ValueError:
            return render(request, "error.html", 400, title="Unknown client", detail="")
        found = [
            c for c in await demo_clients(settings, request.app.state.http) if c["id"] == wanted
        ]
        if not found:
            return render(request, "error.html", 400, title="Unknown client", detail="")
        client = found[0]
    elif role not in {key for key, _, _ in STAFF}:
        return render(request, "error.html", 400, title="Unknown user", detail="")
    sign_in(request, development_user(settings, role, client))
    return RedirectResponse(safe_next(next), status_code=303)


def _redirect_uri(request: Request) -> str:
    base = _settings(request).public_url or str(request.base_url)
    return base.rstrip("/") + "/sign-in/oidc/callback"


@router.get("/sign-in/oidc")
async def oidc_start(request: Request, next: str = "/") -> Response:
    oidc: OidcClient | None = request.app.state.oidc
    if oidc is None:
        return render(request, "error.html", 404, title="Page not found", detail="")
    try:
        url = await oidc.start(request.session, _redirect_uri(request), safe_next(next))
    except OidcError as exc:
        return render(request, "error.html", 502, title="Sign-in failed", detail=str(exc))
    return RedirectResponse(url, status_code=303)


@router.get("/sign-in/oidc/callback")
async def oidc_callback(request: Request) -> Response:
    oidc: OidcClient | None = request.app.state.oidc
    if oidc is None:
        return render(request, "error.html", 404, title="Page not found", detail="")
    try:
        signed_in, next_url = await oidc.finish(request.session, dict(request.query_params))
    except OidcError as exc:
        return render(request, "error.html", 401, title="Sign-in failed", detail=str(exc))
    sign_in(
        request,
        User(
            name=signed_in.name,
            role=signed_in.role,
            client_id=signed_in.client_id,
            client_name=None,
            token=signed_in.bearer,
            expires_at=signed_in.expires_at,
        ),
    )
    return RedirectResponse(safe_next(next_url), status_code=303)


@router.post("/sign-out", dependencies=[CsrfChecked])
async def sign_out_now(request: Request) -> Response:
    sign_out(request, "You are signed out.")
    return RedirectResponse("/sign-in", status_code=303)

"""Who is signed in, and the two ways to sign in.

- Development (``CONTRATO_ENV`` not production): a page listing the demo users (admin,
  operator, finance, and a user of each client); choosing one mints the development token
  with the local signing key, exactly as ``contrato token`` does.
- Deployments: OpenID Connect, authorization code with PKCE, against the identity provider
  the gateway trusts (``web.oidc``).

The session cookie holds the bearer token and what the pages need to know about the user.
A token past its expiry, or one the gateway refuses, sends the user back to sign in.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import Depends, Request

from shared.auth import Role, mint_token
from web.api import Gateway
from web.sessions import csrf_valid
from web.settings import WebSettings

OPERATOR_ROLES = frozenset({"admin", "operator", "finance"})


class NotSignedIn(Exception):
    def __init__(self, next_url: str, expired: bool = False) -> None:
        self.next_url = next_url
        self.expired = expired


class Forbidden(Exception):
    """Signed in, but this page is not for the user's role."""


class CsrfRefused(Exception):
    pass


@dataclass(frozen=True)
class User:
    name: str
    role: str
    client_id: str | None
    client_name: str | None
    token: str
    expires_at: float

    @property
    def is_client(self) -> bool:
        return self.role not in OPERATOR_ROLES

    def may(self, *roles: str) -> bool:
        return self.role in roles


def user_of(request: Request) -> User | None:
    data = (request.scope.get("session") or {}).get("user")
    if not isinstance(data, dict):
        return None
    try:
        return User(**data)
    except TypeError:
        return None


def sign_in(request: Request, user: User) -> None:
    session = request.session
    session.clear()  # a new session: new CSRF token, nothing left from before
    session["csrf"] = secrets.token_urlsafe(32)
    session["user"] = user.__dict__.copy()


def sign_out(request: Request, message: str | None = None) -> None:
    session = request.session
    csrf = session.get("csrf")
    session.clear()
    session["csrf"] = csrf
    if message:
        session["flash"] = message


def current_user(request: Request) -> User:
    user = user_of(request)
    next_url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if user is None:
        raise NotSignedIn(next_url)
    if user.expires_at <= time.time():
        sign_out(request)  # the sign-in page says why
        raise NotSignedIn(next_url, expired=True)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: str) -> Any:
    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden
        return user

    return Depends(check)


def gateway(request: Request, user: CurrentUser) -> Gateway:
    http: httpx.AsyncClient = request.app.state.http
    return Gateway(http, user.token, request.headers.get("x-request-id", ""))


Api = Annotated[Gateway, Depends(gateway)]


async def check_csrf(request: Request) -> None:
    """Every POST carries the session's CSRF token: a form field or HTMX's header."""
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not csrf_valid(request.session, sent):
        raise CsrfRefused


CsrfChecked = Depends(check_csrf)


def safe_next(next_url: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//"):
        return next_url
    return "/"


def sign_in_url(next_url: str) -> str:
    return f"/sign-in?next={quote(next_url, safe='')}"


# --- development sign-in -------------------------------------------------------------------

STAFF = [
    ("admin", "Ada Admin", "admin"),
    ("operator", "Oscar Operator", "operator"),
    ("finance", "Fiona Finance", "finance"),
]


def development_token(
    settings: WebSettings, *, subject: str, role: str, client_id: str | None
) -> str:
    """What ``contrato token`` prints, for one demo user."""
    pem = settings.private_key_pem()
    if pem is None:
        raise RuntimeError("no development signing key: run `contrato up` once first")
    return mint_token(
        pem,
        subject=subject,
        role=Role(role),
        client_id=client_id,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.dev_token_ttl_seconds,
    )


async def demo_clients(settings: WebSettings, http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The client organizations, read with an admin development token (to offer a user of
    each on the development sign-in page)."""
    token = development_token(settings, subject="web:sign-in", role="admin", client_id=None)
    api = Gateway(http, token)
    return [
        org
        for org in await api.all("/v1/organizations", kind="client", pages=2)
        if org.get("status", "active") == "active"
    ]


def development_user(settings: WebSettings, role: str, client: dict[str, Any] | None) -> User:
    if client is not None:
        name = f"{client['display_name']} user"
        subject = f"user@{client['id']}"
        client_id: str | None = str(uuid.UUID(str(client["id"])))
        client_name: str | None = client["display_name"]
    else:
        name = next(label for key, label, _ in STAFF if key == role)
        subject, client_id, client_name = f"{role}@contrato.local", None, None
    token = development_token(settings, subject=subject, role=role, client_id=client_id)
    return User(
        name=name,
        role=role,
        client_id=client_id,
        client_name=client_name,
        token=token,
        expires_at=time.time() + settings.dev_token_ttl_seconds,
    )

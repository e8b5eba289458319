"""Signed cookie sessions (HMAC-SHA256, stdlib only) and CSRF tokens.

The cookie holds the session as JSON, signed and time-stamped: HttpOnly, SameSite=Lax, and
Secure whenever the request came over HTTPS. ``request.session`` is a dict; the cookie is
written back only when the dict changed. Every session carries a random CSRF token that each
form sends back in a hidden field (or HTMX in a header); every POST is checked against it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "contrato_session"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, key: bytes, max_age: int) -> None:
        self.key = key
        self.max_age = max_age

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self.key, payload.encode(), hashlib.sha256).digest())

    def dumps(self, data: dict[str, Any]) -> str:
        payload = _b64(json.dumps({"t": int(time.time()), "d": data}).encode())
        return f"{payload}.{self._mac(payload)}"

    def loads(self, value: str) -> dict[str, Any] | None:
        payload, _, mac = value.partition(".")
        if not mac or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            body = json.loads(_unb64(payload))
        except ValueError:
            return None
        if not isinstance(body, dict) or time.time() - body.get("t", 0) > self.max_age:
            return None
        data = body.get("d")
        return data if isinstance(data, dict) else None


class SessionMiddleware:
    def __init__(self, app: ASGIApp, *, key: bytes, max_age: int) -> None:
        self.app = app
        self.signer = Signer(key, max_age)
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        loaded = None
        if raw := connection.cookies.get(COOKIE):
            loaded = self.signer.loads(raw)
        session: dict[str, Any] = dict(loaded or {})
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        scope["session"] = session
        before = json.dumps(loaded, sort_keys=True)
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            changed = json.dumps(scope["session"], sort_keys=True) != before
            if message["type"] == "http.response.start" and changed:
                headers = MutableHeaders(scope=message)
                attributes = f"Path=/; Max-Age={self.max_age}; HttpOnly; SameSite=Lax"
                if secure:
                    attributes += "; Secure"
                value = self.signer.dumps(scope["session"])
                headers.append("set-cookie", f"{COOKIE}={value}; {attributes}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def csrf_token(session: dict[str, Any]) -> str:
    return str(session["csrf"])


def csrf_valid(session: dict[str, Any], sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(str(session.get("csrf", "")), str(sent))

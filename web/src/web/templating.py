"""Jinja2 templates, rendered with what every page needs: the signed-in user, the
formatter for their locale, the CSRF token for forms, and the navigation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from web.auth import user_of
from web.formatting import Formatter, negotiate_locale
from web.sessions import csrf_token

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def formatter(request: Request) -> Formatter:
    return Formatter(negotiate_locale(request.headers.get("accept-language")))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    session = request.scope.get("session") or {}
    fmt = formatter(request)
    return templates.TemplateResponse(
        request,
        template,
        {
            "user": user_of(request),
            "fmt": fmt,
            "csrf": csrf_token(session) if "csrf" in session else "",
            "flash": session.pop("flash", None) if isinstance(session, dict) else None,
            **context,
        },
        status_code=status_code,
    )

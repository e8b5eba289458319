"""One error hierarchy, rendered by one set of handlers as RFC 9457 problem details.

Services raise these (or their own subclasses from ``errors.py``); repositories never raise HTTP
errors. Anything else that escapes is a bug: logged with the request id and answered with a
generic 500 that hides nothing but the internals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://contrato.dev/problems/"

log = structlog.get_logger("shared.errors")


@dataclass(frozen=True)
class FieldError:
    """One reason a request was refused, naming the field by its JSON path (``term.end_date``)."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class AppError(Exception):
    """Base of every error a service means to answer with."""

    status: int = 500
    slug: str = "internal"
    title: str = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        body.update(self.extra)
        return body


class BadRequest(AppError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="contrato"'})
        super().__init__(detail, **kwargs)


class Forbidden(AppError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status, slug, title = 404, "not-found", "Not found"


class MethodNotAllowed(AppError):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(AppError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(AppError):
    status, slug, title = 428, "precondition-required", "Precondition required"


class PayloadTooLarge(AppError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class ValidationFailed(AppError):
    """Input that parses but breaks a rule; ``errors`` names each field."""

    status, slug, title = 422, "validation", "Invalid input"

    @classmethod
    def on(cls, field: str, message: str, code: str = "invalid") -> ValidationFailed:
        return cls(f"{field}: {message}", errors=[FieldError(field, message, code)])


class TooManyRequests(AppError):
    status, slug, title = 429, "rate-limited", "Too many requests"


class UpstreamError(AppError):
    """A service we depend on failed; names the upstream so the caller knows where to look."""

    status, slug, title = 502, "upstream", "Upstream service failed"

    def __init__(self, upstream: str, detail: str, *, status: int = 502, **kwargs: Any) -> None:
        super().__init__(detail, upstream=upstream, **kwargs)
        self.status = status
        self.upstream = upstream


class UpstreamUnavailable(UpstreamError):
    slug, title = "upstream-unavailable", "Upstream service unavailable"

    def __init__(self, upstream: str, detail: str, **kwargs: Any) -> None:
        super().__init__(upstream, detail, status=503, **kwargs)


class UpstreamTimeout(UpstreamError):
    slug, title = "upstream-timeout", "Upstream service timed out"

    def __init__(self, upstream: str, detail: str, **kwargs: Any) -> None:
        super().__init__(upstream, detail, status=504, **kwargs)


class DatabaseUnavailable(AppError):
    """The service's own database cannot be reached (refused, gone, starting up, full): the
    request did nothing, and the same request may work in a moment."""

    status, slug, title = 503, "database-unavailable", "Database unavailable"
    retry_after_seconds = 5

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(self.retry_after_seconds)})
        super().__init__(detail or "the database is unavailable; retry later", **kwargs)


# SQLSTATEs of a database that cannot serve this connection: connection exceptions (08),
# too many connections, shut down by an administrator or a crash, starting up or shutting down.
_UNAVAILABLE_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03")


def is_connection_failure(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it wraps) is a failure to reach or keep the database: a socket
    error (refused, unreachable, timed out, reset) or asyncpg's connection errors, raw or in
    SQLAlchemy's wrapping (which also marks a connection lost mid-query as invalidated)."""
    for _ in range(8):
        if exc is None:
            return False
        if isinstance(exc, OSError):  # ConnectionRefusedError, TimeoutError, gaierror, ...
            return True
        sqlstate = getattr(exc, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__
    return False


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: Sequence[Any]) -> str:
    """``("body", "term", "end_date")`` -> ``term.end_date``; list indexes as ``[3]``."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def validation_problem(exc: RequestValidationError, instance: str) -> dict[str, Any]:
    errors = [
        FieldError(_field_path(e.get("loc", ())), e.get("msg", "invalid"), e.get("type", "invalid"))
        for e in exc.errors()
    ]
    named = ", ".join(sorted({e.field for e in errors})) or "request"
    return ValidationFailed(f"invalid {named}", errors=errors).problem(instance)


def install_error_handlers(app: FastAPI) -> None:
    async def on_app_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        if isinstance(exc, DatabaseUnavailable):
            log.warning(
                "request.database_unavailable",
                status=exc.status,
                detail=exc.detail,
                error=type(exc.__cause__).__name__ if exc.__cause__ else None,
            )
        elif exc.status >= 500:
            log.warning("request.upstream_failed", status=exc.status, detail=exc.detail)
        return problem_response(exc.status, exc.problem(request.url.path), exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(422, validation_problem(exc, request.url.path))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and isinstance(exc.__cause__, (UnicodeError, LookupError)):
            # FastAPI's "error parsing the body": bytes that are not text in the declared
            # charset (or a charset Python does not know).
            return await on_undecodable_body(request, exc.__cause__)
        titles = {404: "Not found", 405: "Method not allowed", 401: "Authentication required"}
        body = {
            "type": PROBLEM_BASE + ("not-found" if exc.status_code == 404 else "http"),
            "title": titles.get(exc.status_code, "HTTP error"),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": request.url.path,
        }
        return problem_response(exc.status_code, body, getattr(exc, "headers", None))

    async def on_undecodable_body(request: Request, exc: Exception) -> JSONResponse:
        # A body that is not UTF-8 text, met by whichever decoder reads it first (FastAPI's
        # JSON parsing, or a raw-body route's own fast decoder): the caller's input, not a bug.
        error = BadRequest(
            "body: the request body is not valid UTF-8 JSON",
            errors=[FieldError("body", "the request body is not valid UTF-8 text", "utf8")],
        )
        return problem_response(error.status, error.problem(request.url.path))

    async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
        # A backstop: input that passed validation but that PostgreSQL refuses. Class 22
        # (data exception: a NUL character, a number out of range) is the caller's input;
        # class 23 (a constraint) is a conflict with existing data, e.g. a lost race on a
        # unique key. The session dependency has already rolled the transaction back.
        if is_connection_failure(exc):  # the connection was lost mid-request
            return await on_app_error(request, DatabaseUnavailable())
        # SQLAlchemy wraps the driver's error (``orig``); code that talks to asyncpg directly
        # (the fast KPI and ingestion paths) raises the driver's error itself.
        sqlstate = (
            getattr(exc, "sqlstate", None)
            or getattr(getattr(exc, "orig", None), "sqlstate", None)
            or ""
        )
        if sqlstate.startswith("22"):
            error: AppError = ValidationFailed(
                "the database cannot store a value in this request (a NUL character, or a "
                "number or date out of range)",
                sqlstate=sqlstate,
            )
            return problem_response(error.status, error.problem(request.url.path))
        if sqlstate.startswith("23"):
            error = Conflict("the request conflicts with existing data", sqlstate=sqlstate)
            return problem_response(error.status, error.problem(request.url.path))
        return await on_unexpected(request, exc)

    async def on_pool_timeout(request: Request, exc: Exception) -> JSONResponse:
        # Every pooled connection busy for pool_timeout seconds: overloaded, not broken.
        return await on_app_error(
            request, DatabaseUnavailable("no database connection free in time; retry later")
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request.unhandled_error", error=type(exc).__name__)
        request_id = getattr(request.state, "request_id", None)
        body = {
            "type": PROBLEM_BASE + "internal",
            "title": "Internal server error",
            "status": 500,
            "detail": "an unexpected error occurred; quote the request id when reporting it",
            "instance": request.url.path,
            "request_id": request_id,
        }
        return problem_response(500, body)

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(UnicodeDecodeError, on_undecodable_body)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(asyncpg.PostgresError, on_database_error)
    app.add_exception_handler(PoolTimeout, on_pool_timeout)
    app.add_exception_handler(Exception, on_unexpected)

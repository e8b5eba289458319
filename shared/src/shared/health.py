"""Readiness pieces every app's /readyz shares, the services' (``shared.app``) and the
gateway's (``gateway.health``): whether the app's own database is reachable with its
migrations at head, and the problem body of a "not ready" answer. Each app words its own
answer from these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from shared.db import Database
from shared.errors import problem_response
from shared.migrations import current_revisions

NOT_READY_TYPE = "https://contrato.dev/problems/not-ready"


@dataclass(frozen=True)
class DatabaseState:
    """What a readiness probe learned of the database: ``error`` names the exception when it
    could not be reached; otherwise ``current`` is its migration revisions."""

    heads: set[str]
    current: set[str] | None = None
    error: str | None = None

    @property
    def at_head(self) -> bool:
        return self.error is None and self.current == self.heads


async def database_state(database: Database, heads: set[str]) -> DatabaseState:
    """Ask the database for its revisions; any failure to reach it means "not ready", never
    an error of the probe itself."""
    try:
        current = await current_revisions(database.engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        return DatabaseState(heads, error=type(exc).__name__)
    return DatabaseState(heads, current=current)


def not_ready(detail: str, **extra: Any) -> Response:
    """The 503 problem answer of a probe that found something not ready; ``extra`` members
    (which service, which upstreams) follow the standard ones."""
    body = {
        "type": NOT_READY_TYPE,
        "title": "Not ready",
        "status": 503,
        "detail": detail,
        **extra,
    }
    return problem_response(503, body)

"""The gateway's liveness and readiness. /healthz says the process answers; /readyz says the
whole platform can serve: every upstream's own /readyz answers 200 and the gateway's database
(API clients, revocations) is reachable with its migrations at head. Neither is in the
gateway's OpenAPI document; both are left out of the request log (``quiet_paths``)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.responses import Response

from shared.health import database_state, not_ready

# An upstream that takes longer than this to say it is ready is counted as not ready.
UPSTREAM_READY_TIMEOUT_SECONDS = 3.0


async def upstream_state(client: httpx.AsyncClient, name: str, base_url: str) -> tuple[str, str]:
    """One upstream's readiness, in words; unreachable is an answer, not an error."""
    try:
        response = await client.get(f"{base_url}/readyz", timeout=UPSTREAM_READY_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return name, f"unreachable ({type(exc).__name__})"
    if response.status_code == 200:
        return name, "ready"
    return name, f"not ready ({response.status_code})"


async def own_state(request: Request, heads: set[str]) -> tuple[str, str]:
    """The gateway's own database, reported under the name "gateway"."""
    state = await database_state(request.app.state.database, heads)
    if state.error is not None:
        return "gateway", f"database unreachable ({state.error})"
    return "gateway", "ready" if state.at_head else "migrations not at head"


def add_health_routes(app: FastAPI, upstreams: dict[str, str], heads: set[str]) -> None:
    """/healthz and /readyz for the upstreams named in ``upstreams`` and the gateway's
    migration ``heads``. Added to the app itself, not as an included router: every request's
    route matching walks the app's routes, and an included router is one more step in it."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> Response:
        client: httpx.AsyncClient = request.app.state.client
        results = dict(
            await asyncio.gather(
                own_state(request, heads),
                *(upstream_state(client, name, url) for name, url in upstreams.items()),
            )
        )
        if all(state == "ready" for state in results.values()):
            return JSONResponse({"status": "ready", "upstreams": results})
        return not_ready("not every part of the platform is ready", upstreams=results)

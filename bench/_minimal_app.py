"""The baseline of ``bench_request_cost.py``: the least a service can do for the same
authenticated read — FastAPI, one RS256 token verification with PyJWT (every request, no
cache), one query on an asyncpg pool, a JSON answer — and a static endpoint that measures the
load generator and the framework alone.

    MINIMAL_DATABASE_URL=… MINIMAL_PUBLIC_KEY_FILE=… uvicorn --factory _minimal_app:create_app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import jwt
from fastapi import FastAPI, Header, HTTPException, Request

PUBLIC_KEY = Path(os.environ.get("MINIMAL_PUBLIC_KEY_FILE", "/dev/null")).read_text()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(
        os.environ["MINIMAL_DATABASE_URL"].replace("+asyncpg", ""), min_size=2, max_size=10
    )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


def create_app() -> FastAPI:
    return app


@app.get("/static")
async def static() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/organizations")
async def organizations(
    request: Request, limit: int = 1, authorization: str = Header("")
) -> dict[str, Any]:
    try:
        jwt.decode(
            authorization.removeprefix("Bearer "),
            PUBLIC_KEY,
            algorithms=["RS256"],
            audience="contrato",
            issuer="contrato-dev",
        )
    except jwt.InvalidTokenError as exc:
        raise HTTPException(401) from exc
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, kind, legal_name, display_name, country, status, created_at"
            " FROM organization ORDER BY id LIMIT $1",
            limit + 1,
        )
    items = [
        {**dict(r), "id": str(r["id"]), "created_at": r["created_at"].isoformat()}
        for r in rows[:limit]
    ]
    return {"items": items, "next_cursor": None, "limit": limit}

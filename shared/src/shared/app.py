"""The common frame of every service app: lifespan owning the engine, error handlers, request
context, health, readiness and metrics endpoints. Each service's ``main.create_app`` calls
``build_service_app`` and adds its own routers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from starlette.requests import Request

from shared.db import Database
from shared.docs import add_offline_docs
from shared.health import database_state, not_ready
from shared.logging import configure_logging
from shared.migrations import head_revisions
from shared.observability import Metrics, RequestContextMiddleware
from shared.openapi import document_problems
from shared.query import reject_unknown_query_parameters
from shared.settings import ServiceSettings

Extra = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _freeze_startup_objects() -> None:
    """Move everything made so far (modules, the app, its pools) out of the cyclic garbage
    collector's sight. It lives as long as the process, yet every full collection walked all
    of it, and a bulk request that keeps ten thousand rows alive triggers several: in the
    metrics service that was a fifth of an ingestion request's time."""
    gc.collect()
    gc.freeze()


def build_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    service_dir: Path,
    routers: Sequence[APIRouter],
    extra_lifespan: Extra | None = None,
    openapi_tags: list[dict[str, Any]] | None = None,
) -> FastAPI:
    configure_logging(settings.service_name, settings.log_level, settings.json_logs)
    metrics = Metrics(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.sqlalchemy_url, pool_size=settings.database_pool_size)
        app.state.database = database
        app.state.token_verifier = settings.token_verifier()
        try:
            if extra_lifespan is None:
                _freeze_startup_objects()
                yield
            else:
                async with extra_lifespan(app):
                    _freeze_startup_objects()
                    yield
        finally:
            await database.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(reject_unknown_query_parameters)],
    )
    app.state.settings = settings
    app.state.metrics = metrics

    from shared.errors import install_error_handlers

    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, quiet_paths=("/healthz", "/readyz", "/metrics")
    )

    heads = head_revisions(service_dir)

    @app.get("/healthz", tags=["health"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get(
        "/readyz", tags=["health"], summary="Readiness: database reachable, migrations at head"
    )
    async def readyz(request: Request) -> Any:
        state = await database_state(request.app.state.database, heads)
        if state.error is not None:
            return not_ready(f"database unreachable: {state.error}", service=settings.service_name)
        if not state.at_head:
            return not_ready(
                f"migrations not at head (database {sorted(state.current or ())}, "
                f"code {sorted(heads)})",
                service=settings.service_name,
            )
        return {
            "status": "ready",
            "service": settings.service_name,
            "revision": sorted(state.current or ()),
        }

    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
    add_offline_docs(app, title=title)

    for router in routers:
        app.include_router(router)

    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        app.openapi_schema = document_problems(original_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app

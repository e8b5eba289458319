"""Swagger UI served by the app itself: its script, styles and icon come from the installed
``fastapi-offline`` package, never from a CDN, so the API docs work with no internet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/docs/assets"


def add_offline_docs(
    app: FastAPI,
    *,
    title: str,
    openapi_url: str = "/openapi.json",
    swagger_ui_parameters: dict[str, Any] | None = None,
) -> None:
    """``/docs`` (Swagger UI) and ``/docs/assets/…`` (what it loads) on ``app``."""
    app.mount(ASSETS_PATH, StaticFiles(directory=SWAGGER_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            # no validator badge: it is an image from swagger.io
            swagger_ui_parameters={"validatorUrl": None, **(swagger_ui_parameters or {})},
        )

"""The metrics service: contact records, rollups, KPIs, SLA reports, billable usage, staffing."""

from pathlib import Path

from fastapi import FastAPI

from metrics.settings import MetricsSettings, get_settings
from metrics.sources.router import router as sources_router
from shared.app import build_service_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: MetricsSettings | None = None) -> FastAPI:
    return build_service_app(
        settings or get_settings(),
        title="Contrato — metrics",
        description="Contact records, KPIs and SLA reports.",
        service_dir=SERVICE_DIR,
        routers=[sources_router],
        openapi_tags=[{"name": "sources", "description": "Platforms that push contact records"}],
    )

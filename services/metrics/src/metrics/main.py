"""The metrics service: contact records, rollups, KPIs, SLA reports, billable usage, staffing."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from metrics.activity.router import router as activity_router
from metrics.activity.schemas import ActivityBatch, AgentActivityIn
from metrics.changes.router import router as changes_router
from metrics.contracts_client import ContractsClient
from metrics.customers.router import router as customers_router
from metrics.evaluations.router import router as evaluations_router
from metrics.evaluations.schemas import EvaluationBatch, EvaluationIn
from metrics.imports.router import router as imports_router
from metrics.kpis.router import router as kpis_router
from metrics.partitions.service import PartitionJob
from metrics.records.router import router as records_router
from metrics.records.schemas import ContactBatch
from metrics.risk.router import router as risk_router
from metrics.settings import MetricsSettings, get_settings
from metrics.sla.router import router as sla_router
from metrics.sources.router import router as sources_router
from metrics.staffing.router import router as staffing_router
from metrics.usage.router import router as usage_router
from shared.app import build_service_app
from shared.http import ServiceClient

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: MetricsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def clients(app: FastAPI) -> AsyncIterator[None]:
        # Tests may put a client on a fake/real in-process contracts app before startup.
        if getattr(app.state, "contracts", None) is None:
            app.state.contracts = ContractsClient(
                ServiceClient(
                    "contracts", settings.contracts_url, token_provider=settings.service_tokens()
                ),
                ttl_seconds=settings.contracts_cache_ttl_seconds,
            )
        partitions = PartitionJob(
            app.state.database.sessionmaker,
            ahead_months=settings.partitions_ahead_months,
            interval_seconds=settings.partition_check_interval_seconds,
        )
        app.state.partitions = partitions
        await partitions.start()
        try:
            yield
        finally:
            await partitions.stop()
            await app.state.contracts.aclose()

    app = build_service_app(
        settings,
        title="Contrato — metrics",
        description="Contact records, KPIs, SLA reports, billable usage and staffing.",
        service_dir=SERVICE_DIR,
        routers=[
            sources_router,
            records_router,
            activity_router,
            evaluations_router,
            imports_router,
            kpis_router,
            sla_router,
            risk_router,
            changes_router,
            usage_router,
            staffing_router,
            customers_router,
        ],
        extra_lifespan=clients,
        openapi_tags=[
            {"name": "sources", "description": "Platforms that push contact records"},
            {"name": "contact records", "description": "Bulk, idempotent ingestion"},
            {"name": "agent activity", "description": "Agent state spans (occupancy, agent hours)"},
            {"name": "imports", "description": "Files in platform formats"},
            {"name": "kpis", "description": "Figures with numerators and denominators"},
            {"name": "sla reports", "description": "Service levels evaluated per month"},
            {"name": "sla risk", "description": "Service levels projected to the period's end"},
            {"name": "usage", "description": "Billable usage per month"},
            {"name": "staffing", "description": "Erlang C / Erlang A staffing and feasibility"},
            {"name": "customers", "description": "Erasure of a customer's records"},
        ],
    )
    app.state.contracts = None
    add_body_schemas(
        app, [ContactBatch, ActivityBatch, AgentActivityIn, EvaluationBatch, EvaluationIn]
    )
    return app


def add_body_schemas(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Put request bodies parsed by hand (``records.router.parse_json_body``) and the row shapes
    of batches validated row by row in the schema."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in body.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components[model.__name__] = body
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

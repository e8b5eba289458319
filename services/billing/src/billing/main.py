"""The billing service: price plans, invoices, credit notes, payments, invoice runs, quotes."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from billing.credit_balances.router import balances_router, refunds_router
from billing.events.dispatcher import webhook_loop
from billing.events.router import router as events_router
from billing.events.webhooks.delivery import DeliveryOptions
from billing.events.webhooks.router import router as webhook_endpoints_router
from billing.events.webhooks.secrets import SecretBox
from billing.invoice_runs.router import router as invoice_runs_router
from billing.invoice_runs.service import RunManager
from billing.invoices.router import credit_notes_router, payments_router
from billing.invoices.router import router as invoices_router
from billing.price_plans.router import router as price_plans_router
from billing.quotes.router import router as quotes_router
from billing.risk.alerts import SlaAlerts
from billing.risk.router import router as risk_router
from billing.settings import BillingSettings, get_settings
from billing.tax_rates.router import router as tax_rates_router
from billing.upstream import ContractsClient, MetricsClient, Upstream
from shared.app import build_service_app
from shared.http import ServiceClient, default_timeout

SERVICE_DIR = Path(__file__).resolve().parents[2]

TAGS = [
    {"name": "price plans", "description": "Rate cards attached to contracts, versioned"},
    {"name": "invoices", "description": "Drafts, issue, void, PDF"},
    {"name": "credit notes", "description": "Corrections of issued invoices"},
    {"name": "payments", "description": "Money received against issued invoices"},
    {"name": "invoice runs", "description": "Month-end drafting of every active contract"},
    {"name": "quotes", "description": "Price a plan against hypothetical volumes"},
    {
        "name": "billing events",
        "description": "invoice.issued, invoice.paid, credit_note.issued, "
        "credit_balance.credited, credit_balance.applied, refund.due, refund.refunded",
    },
    {"name": "credit balances", "description": "Credit notes' excess kept for the next invoice"},
    {"name": "refunds", "description": "Credit notes' excess owed back to the client"},
    {"name": "webhook endpoints", "description": "Partner URLs the billing events are POSTed to"},
    {"name": "tax rates", "description": "Tax rates that plans apply"},
]


def create_app(
    settings: BillingSettings | None = None,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """``transports`` (tests, benchmarks) replaces the network for ``contracts`` / ``metrics``."""
    settings = settings or get_settings()
    transports = transports or {}

    @asynccontextmanager
    async def upstream_lifespan(app: FastAPI) -> AsyncIterator[None]:
        tokens = settings.service_tokens()
        timeout = default_timeout(read=settings.upstream_read_timeout_seconds)

        def client(name: str, url: str) -> ServiceClient:
            return ServiceClient(
                name, url, token_provider=tokens, timeout=timeout, transport=transports.get(name)
            )

        upstream = Upstream(
            ContractsClient(client("contracts", settings.contracts_url)),
            MetricsClient(client("metrics", settings.metrics_url)),
        )
        app.state.upstream = upstream
        app.state.pdf_fallback_fonts = tuple(settings.pdf_fallback_fonts)
        app.state.runs = RunManager(app.state.database.sessionmaker, upstream, settings)
        if settings.run_resume_on_startup:
            await app.state.runs.resume_unfinished()
        run_watch = (
            asyncio.create_task(app.state.runs.watch(settings.run_watch_interval_seconds))
            if settings.run_watch_interval_seconds
            else None
        )
        app.state.sla_alerts = SlaAlerts(app.state.database.sessionmaker, upstream)
        sla_watch = (
            asyncio.create_task(
                app.state.sla_alerts.watch(
                    settings.sla_alert_interval_seconds, settings.sla_alert_debounce_seconds
                )
            )
            if settings.sla_alert_interval_seconds
            else None
        )
        app.state.webhook_secrets = box = SecretBox.from_settings(settings)
        webhooks = None
        if settings.webhook_dispatch:
            webhooks = asyncio.create_task(
                webhook_loop(
                    app.state.database.sessionmaker,
                    box,
                    interval=settings.webhook_interval_seconds,
                    options=DeliveryOptions.from_settings(settings),
                    request_timeout=settings.webhook_timeout_seconds,
                    allowed_networks=settings.webhook_allowed_networks(),
                )
            )
        try:
            yield
        finally:
            for task in (webhooks, run_watch, sla_watch):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await app.state.runs.shutdown()
            await upstream.aclose()

    return build_service_app(
        settings,
        title="Contrato — billing",
        description=(
            "Price plans, invoices, service credits, credit notes, payments, invoice runs "
            "and quotes. Money is a decimal string in the currency's ISO 4217 minor units."
        ),
        service_dir=SERVICE_DIR,
        routers=[
            price_plans_router,
            invoices_router,
            credit_notes_router,
            payments_router,
            balances_router,
            refunds_router,
            invoice_runs_router,
            quotes_router,
            risk_router,
            events_router,
            webhook_endpoints_router,
            tax_rates_router,
        ],
        extra_lifespan=upstream_lifespan,
        openapi_tags=TAGS,
    )

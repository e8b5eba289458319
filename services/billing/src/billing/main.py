"""The billing service: price plans, invoices, credit notes, payments, invoice runs."""

from pathlib import Path

from fastapi import FastAPI

from billing.settings import BillingSettings, get_settings
from billing.tax_rates.router import router as tax_rates_router
from shared.app import build_service_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: BillingSettings | None = None) -> FastAPI:
    return build_service_app(
        settings or get_settings(),
        title="Contrato — billing",
        description="Price plans, invoices and service credits.",
        service_dir=SERVICE_DIR,
        routers=[tax_rates_router],
        openapi_tags=[{"name": "tax rates", "description": "Tax rates that plans apply"}],
    )

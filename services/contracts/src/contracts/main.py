"""The contracts service: organizations and the contracts between the operator and its clients."""

from pathlib import Path

from fastapi import FastAPI

from contracts.contracts.routes import router as contracts_router
from contracts.organizations.router import router as organizations_router
from contracts.settings import ContractsSettings, get_settings
from shared.app import build_service_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: ContractsSettings | None = None) -> FastAPI:
    return build_service_app(
        settings or get_settings(),
        title="Contrato — contracts",
        description="Organizations, contracts and their lifecycle.",
        service_dir=SERVICE_DIR,
        routers=[organizations_router, contracts_router],
        openapi_tags=[
            {"name": "organizations", "description": "The operator and its clients"},
            {"name": "contracts", "description": "Contracts, their versions and lifecycle"},
        ],
    )

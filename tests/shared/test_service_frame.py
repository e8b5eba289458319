"""What every service app has: health, readiness, metrics, problem+json, request ids."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from billing.main import create_app as create_billing
from billing.settings import BillingSettings
from contracts.main import create_app as create_contracts
from contracts.settings import ContractsSettings
from contrato.pg import database_url, ensure_databases
from metrics.main import create_app as create_metrics
from metrics.settings import MetricsSettings
from tests.conftest import api_client, running_app

FACTORIES = {
    "contracts": (create_contracts, ContractsSettings),
    "metrics": (create_metrics, MetricsSettings),
    "billing": (create_billing, BillingSettings),
}


@pytest.fixture(params=sorted(FACTORIES))
async def service_app(
    request: pytest.FixtureRequest, database_urls: dict[str, str]
) -> AsyncIterator[FastAPI]:
    factory, settings_class = FACTORIES[request.param]
    async with running_app(
        factory(settings_class(database_url=database_urls[request.param]))
    ) as app:
        yield app


async def test_healthz(service_app: FastAPI) -> None:
    async with api_client(service_app) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200


async def test_readyz_reports_migrations_at_head(service_app: FastAPI) -> None:
    async with api_client(service_app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"


async def test_metrics_are_prometheus_text(service_app: FastAPI) -> None:
    async with api_client(service_app) as client:
        await client.get("/healthz")
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert "http_requests_total" in response.text


async def test_request_id_is_echoed_and_traceparent_continued(service_app: FastAPI) -> None:
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with api_client(service_app) as client:
        response = await client.get(
            "/healthz", headers={"x-request-id": "abc-123", "traceparent": trace}
        )
    assert response.headers["x-request-id"] == "abc-123"
    assert response.headers["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")


async def test_unknown_route_is_problem_json(service_app: FastAPI) -> None:
    async with api_client(service_app) as client:
        response = await client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
def unmigrated_database_url(pg_server_url: str) -> str:
    ensure_databases(pg_server_url, ["test_unmigrated"], fresh=True)
    return database_url(pg_server_url, "test_unmigrated")


async def test_readyz_is_503_when_the_database_is_behind(unmigrated_database_url: str) -> None:
    app = create_contracts(ContractsSettings(database_url=unmigrated_database_url))
    async with running_app(app), api_client(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert "migrations not at head" in response.json()["detail"]


async def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    url = "postgresql+asyncpg://nobody:x@127.0.0.1:1/none"
    app = create_contracts(ContractsSettings(database_url=url))
    async with running_app(app), api_client(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert "unreachable" in response.json()["detail"]

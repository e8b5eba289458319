from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from metrics.contracts_client import ContractsClient
from metrics.main import create_app
from metrics.settings import MetricsSettings
from shared.http import ServiceClient
from tests.conftest import TokenFactory, api_client, rolled_back, running_app
from tests.metrics.fake_contracts import FakeContracts, build_fake_contracts_app


@pytest.fixture(scope="session")
def fake_contracts() -> FakeContracts:
    return FakeContracts()


@pytest.fixture(scope="session")
async def metrics_app(
    database_urls: dict[str, str], fake_contracts: FakeContracts
) -> AsyncIterator[FastAPI]:
    settings = MetricsSettings(database_url=database_urls["metrics"])
    app = create_app(settings)
    app.state.contracts = ContractsClient(
        ServiceClient(
            "contracts",
            "http://contracts",
            transport=httpx.ASGITransport(app=build_fake_contracts_app(fake_contracts)),
        ),
        ttl_seconds=0,
    )
    async with running_app(app):
        yield app


@pytest.fixture
async def metrics(metrics_app: FastAPI, token: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    """An operator's client of the metrics API, inside a rolled-back transaction."""
    async with rolled_back(metrics_app), api_client(metrics_app, token("operator")) as client:
        yield client

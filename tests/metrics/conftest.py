from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from metrics.contracts_client import ContractsClient
from metrics.main import create_app
from metrics.settings import MetricsSettings
from shared.http import ServiceClient
from tests.conftest import TokenFactory, api_client, rolled_back, running_app
from tests.world import Calls, World, contracts_app

__all__ = ["contracts_app"]


@pytest.fixture(scope="session")
def contracts_calls(contracts_app: FastAPI) -> Calls:
    """The transport metrics reaches the real contracts app through (it notes each call)."""
    return Calls(contracts_app)


@pytest.fixture(scope="session")
async def metrics_app(
    database_urls: dict[str, str], contracts_calls: Calls
) -> AsyncIterator[FastAPI]:
    settings = MetricsSettings(database_url=database_urls["metrics"])
    app = create_app(settings)
    app.state.contracts = ContractsClient(
        ServiceClient("contracts", "http://contracts", transport=contracts_calls),
        ttl_seconds=0,
    )
    async with running_app(app):
        yield app


@pytest.fixture
async def contracts_tx(contracts_app: FastAPI) -> AsyncIterator[FastAPI]:
    """The real contracts app with this test's requests in one rolled-back transaction."""
    async with rolled_back(contracts_app):
        yield contracts_app


@pytest.fixture
async def world(contracts_tx: FastAPI, token: TokenFactory) -> AsyncIterator[World]:
    """Signed contracts made through the real contracts API (rolled back after the test)."""
    async with api_client(contracts_tx, token("operator")) as client:
        yield World(client)


@pytest.fixture
async def metrics(
    metrics_app: FastAPI, contracts_tx: FastAPI, token: TokenFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """An operator's client of the metrics API, inside a rolled-back transaction."""
    async with rolled_back(metrics_app), api_client(metrics_app, token("operator")) as client:
        yield client

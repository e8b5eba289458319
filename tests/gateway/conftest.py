from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from billing.main import create_app as create_billing
from billing.settings import BillingSettings
from contracts.main import create_app as create_contracts
from contracts.settings import ContractsSettings
from gateway.main import create_app as create_gateway
from gateway.settings import GatewaySettings
from metrics.main import create_app as create_metrics
from metrics.settings import MetricsSettings
from tests.conftest import rolled_back, running_app


class AppsByHost(httpx.AsyncBaseTransport):
    """Sends each upstream URL's requests to the in-process app registered for its host;
    anything else goes out over real TCP."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}
        self.fallback = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.transports.get(request.url.host, self.fallback)
        return await transport.handle_async_request(request)


@pytest.fixture(scope="session")
async def services(database_urls: dict[str, str]) -> AsyncIterator[dict[str, FastAPI]]:
    contracts = create_contracts(ContractsSettings(database_url=database_urls["contracts"]))
    metrics = create_metrics(MetricsSettings(database_url=database_urls["metrics"]))
    billing = create_billing(BillingSettings(database_url=database_urls["billing"]))
    async with running_app(contracts), running_app(metrics), running_app(billing):
        yield {"contracts": contracts, "metrics": metrics, "billing": billing}


@pytest.fixture
def make_gateway(services: dict[str, FastAPI], database_urls: dict[str, str], keys):  # type: ignore[no-untyped-def]
    """A gateway in front of the real service apps; settings can be overridden per test."""

    def make(**overrides: object) -> FastAPI:
        settings: dict[str, object] = {
            "database_url": database_urls["gateway"],
            "contracts_url": "http://contracts",
            "metrics_url": "http://metrics",
            "billing_url": "http://billing",
            "jwt_private_key_file": keys.private_path,
        }
        return create_gateway(
            GatewaySettings(**{**settings, **overrides}), transport=AppsByHost(services)
        )

    return make


@pytest.fixture
async def gateway(make_gateway, services: dict[str, FastAPI]) -> AsyncIterator[FastAPI]:  # type: ignore[no-untyped-def]
    async with running_app(make_gateway()) as app:
        async with (
            rolled_back(app),
            rolled_back(services["contracts"]),
            rolled_back(services["metrics"]),
            rolled_back(services["billing"]),
        ):
            yield app

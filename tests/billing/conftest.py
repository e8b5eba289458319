from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from billing.main import create_app
from billing.settings import BillingSettings
from tests.billing.fake_upstream import FakeUpstream
from tests.conftest import Keys, TokenFactory, api_client, rolled_back, running_app

BillingFactory = Callable[[FakeUpstream], AbstractAsyncContextManager[FastAPI]]


@pytest.fixture(scope="session")
def billing_settings(database_urls: dict[str, str], keys: Keys) -> BillingSettings:
    return BillingSettings(
        database_url=database_urls["billing"],
        jwt_private_key_file=keys.private_path,
        run_resume_on_startup=False,  # each test starts the runs it means to
    )


@pytest.fixture(scope="session")
def make_billing(billing_settings: BillingSettings) -> BillingFactory:
    """A billing app whose contracts and metrics are served by ``fake`` (in-process HTTP)."""

    @asynccontextmanager
    async def make(fake: FakeUpstream) -> AsyncIterator[FastAPI]:
        transport = httpx.ASGITransport(app=fake.app())
        app = create_app(
            billing_settings, transports={"contracts": transport, "metrics": transport}
        )
        async with running_app(app):
            yield app

    return make


@pytest.fixture(scope="session")
def fake() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture(scope="session")
async def billing_app(make_billing: BillingFactory, fake: FakeUpstream) -> AsyncIterator[FastAPI]:
    async with make_billing(fake) as app:
        yield app


@pytest.fixture
async def finance(billing_app: FastAPI, token: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    """A finance user's client of the billing API, inside a rolled-back transaction."""
    async with rolled_back(billing_app), api_client(billing_app, token("finance")) as client:
        yield client

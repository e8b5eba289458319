from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from contracts.main import create_app
from contracts.settings import ContractsSettings
from tests.conftest import TokenFactory, api_client, rolled_back, running_app


@pytest.fixture(scope="session")
async def contracts_app(database_urls: dict[str, str]) -> AsyncIterator[FastAPI]:
    settings = ContractsSettings(database_url=database_urls["contracts"])
    async with running_app(create_app(settings)) as app:
        yield app


@pytest.fixture
async def contracts(
    contracts_app: FastAPI, token: TokenFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """An operator's client of the contracts API, inside a rolled-back transaction."""
    async with rolled_back(contracts_app), api_client(contracts_app, token("operator")) as client:
        yield client

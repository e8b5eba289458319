"""A request that fails half-way leaves its database as it was: the session dependency's one
transaction is rolled back, with no test override in the way."""

import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from contracts.main import create_app
from contracts.organizations.models import Organization, OrganizationKind
from contracts.settings import ContractsSettings
from shared.db import Database, SessionDep
from tests.conftest import TokenFactory, api_client, running_app


class HalfWayFailure(RuntimeError):
    pass


@pytest.fixture
async def app_with_failing_route(database_urls: dict[str, str]) -> FastAPI:
    app = create_app(ContractsSettings(database_url=database_urls["contracts"]))

    @app.post("/v1/organizations/fail-half-way")
    async def fail_half_way(session: SessionDep) -> None:
        session.add(
            Organization(
                kind=OrganizationKind.operator,
                legal_name="Half Written Ltd",
                display_name=f"half-{uuid.uuid4()}",
                country="PT",
                time_zone="Europe/Lisbon",
            )
        )
        await session.flush()  # the row is in the database, inside the open transaction
        raise HalfWayFailure("boom after the insert")

    return app


async def count_half_written(database: Database) -> int:
    async with database.sessionmaker() as session:
        stmt = select(func.count()).where(Organization.legal_name == "Half Written Ltd")
        return int(await session.scalar(stmt) or 0)


async def test_failed_request_writes_nothing(
    app_with_failing_route: FastAPI, token: TokenFactory
) -> None:
    async with running_app(app_with_failing_route) as app:
        before = await count_half_written(app.state.database)
        async with api_client(app, token("operator")) as client:
            # ASGITransport re-raises server errors by default; a real server answers 500.
            with pytest.raises(HalfWayFailure):
                await client.post("/v1/organizations/fail-half-way")
        assert await count_half_written(app.state.database) == before


async def test_unexpected_error_is_a_problem_500_with_request_id(
    app_with_failing_route: FastAPI, token: TokenFactory
) -> None:
    import httpx

    async with running_app(app_with_failing_route) as app:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://test",
            headers={"authorization": f"Bearer {token('operator')}", "x-request-id": "req-42"},
        ) as client:
            response = await client.post("/v1/organizations/fail-half-way")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == "req-42"
    assert "boom" not in response.text  # internals stay in the log

"""The daily job, run as the scheduler runs it: its own connection, committed batches."""

from datetime import date

import pytest

from contracts.contracts.jobs import refresh_statuses
from contracts.main import SERVICE_DIR, create_app
from contracts.settings import ContractsSettings
from contrato.pg import database_url, ensure_databases
from shared.migrations import upgrade
from tests.conftest import TokenFactory, api_client, running_app
from tests.contracts.contracts.helpers import signed_sla


@pytest.fixture
def own_database(pg_server_url: str) -> str:
    """A database of its own: the job commits, so it must not share the suite's."""
    ensure_databases(pg_server_url, ["test_contracts_jobs"], fresh=True)
    url = database_url(pg_server_url, "test_contracts_jobs")
    upgrade(SERVICE_DIR, url)
    return url


async def test_daily_refresh_activates_and_renews(own_database: str, token: TokenFactory) -> None:
    settings = ContractsSettings(database_url=own_database)
    async with running_app(create_app(settings)) as app, api_client(app, token("operator")) as c:
        _, contract = await signed_sla(c)  # committed: no rolled-back transaction here

        assert await refresh_statuses(settings, on=date(2027, 1, 1)) == (1, 1, 1)
        assert await refresh_statuses(settings, on=date(2027, 1, 1)) == (1, 0, 0)
        checked, changed, events = await refresh_statuses(settings, on=date(2028, 1, 1))
        assert (checked, changed, events) == (1, 1, 1)  # renewed, still active

        log = (await c.get(f"/v1/contracts/{contract['id']}/events?limit=100")).json()["items"]
        assert [e["type"] for e in log][-2:] == ["contract.active", "contract.renewed"]

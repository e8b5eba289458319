"""With its database unreachable, a service answers 503 problem+json with Retry-After (never a
500), and /readyz stays 503. Fault injection: each real service app pointed at a closed port,
or at a server that hangs up on every connection."""

import asyncio
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, OperationalError

import shared.errors
from billing.main import create_app as create_billing
from billing.settings import BillingSettings
from contracts.main import create_app as create_contracts
from contracts.settings import ContractsSettings
from gateway.main import create_app as create_gateway
from gateway.settings import GatewaySettings
from metrics.main import create_app as create_metrics
from metrics.settings import MetricsSettings
from shared.errors import is_connection_failure
from tests.conftest import Keys, TokenFactory, api_client, running_app
from tests.gateway.conftest import AppsByHost

# A read route of each service that goes straight to its database.
READS = {
    "contracts": "/v1/organizations",
    "metrics": "/v1/sources",
    "billing": "/v1/tax-rates",
}


def make_app(service: str, url: str) -> FastAPI:
    if service == "contracts":
        return create_contracts(ContractsSettings(database_url=url))
    if service == "metrics":
        return create_metrics(MetricsSettings(database_url=url))
    return create_billing(
        BillingSettings(database_url=url, run_resume_on_startup=False, webhook_dispatch=False)
    )


@pytest.fixture
async def hang_up_server() -> AsyncIterator[int]:
    """A TCP server that accepts and at once closes every connection (a database going away)."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


@pytest.mark.parametrize("service", sorted(READS))
@pytest.mark.parametrize("where", ["closed-port", "hangs-up"])
async def test_database_down_is_503_with_retry_after(
    service: str,
    where: str,
    hang_up_server: int,
    token: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = 1 if where == "closed-port" else hang_up_server
    logged: list[tuple[str, str]] = []

    class Log:
        def __getattr__(self, level: str) -> Callable[..., None]:
            return lambda event, **_: logged.append((level, event))

    monkeypatch.setattr(shared.errors, "log", Log())
    app = make_app(service, f"postgresql+asyncpg://nobody:x@127.0.0.1:{port}/none")
    async with running_app(app), api_client(app, token("admin")) as client:
        response = await client.get(READS[service])
        ready = await client.get("/readyz")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["type"].endswith("/database-unavailable")
    assert "database" in body["detail"]
    assert ready.status_code == 503
    assert logged == [("warning", "request.database_unavailable")]


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        OSError(113, "No route to host"),
        TimeoutError(),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        # SQLAlchemy's wrapping of a connection lost mid-query
        DBAPIError("select 1", None, Exception("gone"), connection_invalidated=True),
        OperationalError("select 1", None, asyncpg.CannotConnectNowError("starting up")),
    ],
)
def test_connection_failures_are_recognised(error: BaseException) -> None:
    assert is_connection_failure(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("x"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.DataError("numeric field overflow"),
    ],
)
def test_other_errors_are_not_connection_failures(error: BaseException) -> None:
    assert not is_connection_failure(error)


async def test_the_gateway_breaker_counts_a_database_outage(
    database_urls: dict[str, str], keys: Keys, token: TokenFactory
) -> None:
    contracts = make_app("contracts", "postgresql+asyncpg://nobody:x@127.0.0.1:1/none")
    settings = GatewaySettings(
        database_url=database_urls["gateway"],
        contracts_url="http://contracts",
        jwt_private_key_file=keys.private_path,
        breaker_failure_threshold=2,
        breaker_cooldown_seconds=30,
    )
    gateway = create_gateway(settings, transport=AppsByHost({"contracts": contracts}))
    async with (
        running_app(contracts),
        running_app(gateway),
        api_client(gateway, token("admin")) as client,
    ):
        answers = [await client.get("/v1/organizations") for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert answers[0].json()["type"].endswith("/database-unavailable")  # the service's own
    assert "retry-after" in answers[0].headers
    assert answers[2].json()["detail"] == "contracts is failing; calls are paused for a moment"
    assert "retry-after" in answers[2].headers

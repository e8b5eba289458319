"""Signed contracts built through the REAL contracts API, for the tests of the services that
read contracts (metrics, billing).

Our own services are never faked: a test that needs "a contract with these hours, queues and
service levels" asks the real contracts app for it — operator, client, draft, submit, approve,
send for signature, both signatures — exactly as a user would (see the walk-through in
``services/contracts/README.md``). Amendments give multi-version contracts.

Use the ``contracts_app`` fixture (session-scoped, running) and, per test, ``rolled_back(app)``
so every contract a test creates disappears with the test's transaction.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker

from contracts.main import create_app
from contracts.settings import ContractsSettings
from shared.db import Database, get_session
from tests.conftest import running_app

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAY: dict[str, list[list[str]]] = {day: [["00:00", "24:00"]] for day in DAYS}
SIGNERS = [
    {"name": "Ana Souza", "email": "ana@client.example", "party": "client"},
    {"name": "Rui Lima", "email": "rui@bpo.example", "party": "operator"},
]
OPERATOR = {
    "kind": "operator",
    "legal_name": "Contact Partners Ltda.",
    "display_name": "Contact Partners",
    "country": "BR",
    "tax_id": "11.222.333/0001-44",
    "billing_email": "billing@contactpartners.example",
    "time_zone": "America/Sao_Paulo",
}
_names = itertools.count(1)


def client_body(name: str) -> dict[str, Any]:
    return {
        "legal_name": f"{name} S.A.",
        "display_name": name,
        "country": "BR",
        "tax_id": "12.345.678/0001-90",
        "billing_email": f"ap@{name.lower().replace(' ', '-')}.example",
        "time_zone": "America/Sao_Paulo",
    }


@pytest.fixture(scope="session")
async def contracts_app(database_urls: dict[str, str]) -> AsyncIterator[FastAPI]:
    """The real contracts app, running, on the test run's contracts database."""
    settings = ContractsSettings(database_url=database_urls["contracts"])
    async with running_app(create_app(settings)) as app:
        yield app


@asynccontextmanager
async def rolled_back_serially(app: FastAPI) -> AsyncIterator[None]:
    """``tests.conftest.rolled_back`` for an app that may be asked several things at once (a
    billing run asks metrics for usage and the SLA report concurrently): every request joins the
    test's one rolled-back transaction, taking turns on its connection."""
    database: Database = app.state.database
    turn = asyncio.Lock()
    async with database.engine.connect() as connection:
        outer = await connection.begin()
        sessions = async_sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

        async def session_in_test_transaction() -> AsyncIterator[object]:
            async with turn, sessions() as session, session.begin():
                yield session

        app.dependency_overrides[get_session] = session_in_test_transaction
        try:
            yield
        finally:
            app.dependency_overrides.pop(get_session, None)
            await outer.rollback()


class Calls(httpx.ASGITransport):
    """The real app's ASGI transport, noting each request's method and path (so a test can
    check how often another service was asked, e.g. that a cache works)."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(app=app)
        self.seen: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        return await super().handle_async_request(request)


class Outages(Calls):
    """The network in front of a real app, as a remote server sees it: a caller that gives up
    (its task is cancelled) does not cancel the request the server is handling. With fault
    injection: a request whose URL or body names one of ``down_for`` (e.g. a contract id) fails
    to connect; every other request reaches the app."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(app)
        self.down_for: set[str] = set()
        self.in_flight: set[asyncio.Future[httpx.Response]] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = f"{request.url} {request.content.decode(errors='replace')}"
        if any(key in target for key in self.down_for):
            raise httpx.ConnectError("connection refused (injected outage)", request=request)
        served = asyncio.ensure_future(super().handle_async_request(request))
        self.in_flight.add(served)
        served.add_done_callback(self.in_flight.discard)
        return await asyncio.shield(served)

    async def settle(self) -> None:
        """Wait for the requests still being served (their callers may have given up)."""
        while self.in_flight:
            await asyncio.gather(*self.in_flight, return_exceptions=True)


@dataclass(frozen=True)
class Contract:
    id: uuid.UUID
    client_id: uuid.UUID
    operator_id: uuid.UUID
    number: str
    body: dict[str, Any] = field(repr=False, compare=False)


class World:
    """Builds organizations and signed contracts with an operator's client of the real
    contracts API (which must be inside the test's ``rolled_back(contracts_app)``)."""

    def __init__(self, contracts: httpx.AsyncClient) -> None:
        self.api = contracts
        self._operator: uuid.UUID | None = None

    async def post(self, url: str, body: Any = None, status: int = 201) -> Any:
        response = await self.api.post(url, json=body)
        assert response.status_code == status, f"{url}: {response.text}"
        return response.json()

    async def operator(self) -> uuid.UUID:
        if self._operator is None:
            self._operator = uuid.UUID((await self.post("/v1/organizations", OPERATOR))["id"])
        return self._operator

    async def client(self, name: str | None = None) -> uuid.UUID:
        await self.operator()
        body = client_body(name or f"Client {next(_names)}")
        return uuid.UUID((await self.post("/v1/organizations", body))["id"])

    async def contract(
        self,
        *,
        client_id: uuid.UUID | None = None,
        time_zone: str = "UTC",
        currency: str = "EUR",
        title: str = "Inbound customer support",
        start_date: str = "2020-01-01",
        term: dict[str, Any] | None = None,
        hours: dict[str, list[list[str]]] | None = None,
        holidays: Sequence[str] = (),
        queues: Sequence[str] = (),
        channels: Sequence[str] = (),
        service_levels: Sequence[dict[str, Any]] = (),
        service_credit_terms: dict[str, Any] | None = None,
        termination: dict[str, Any] | None = None,
        pricing: dict[str, Any] | None = None,
    ) -> Contract:
        """A signed contract (SLA when it has service levels, else SOW), evergreen from
        ``start_date`` unless ``term`` says otherwise; open around the clock by default.

        As the contracts service requires, the scope claims every queue a service level names,
        and pool shares come with service-credit terms (10% at risk unless given)."""
        client_id = client_id or await self.client()
        named = [q for level in service_levels for q in level.get("queues") or []]
        queues = list(dict.fromkeys([*queues, *named]))
        if service_credit_terms is None and any(s.get("pool_share") for s in service_levels):
            service_credit_terms = {"at_risk_percent": "10"}
        body: dict[str, Any] = {
            "type": "SLA" if service_levels else "SOW",
            "title": title,
            "client_id": str(client_id),
            "currency": currency,
            "time_zone": time_zone,
            "scope": {
                "channels": list(channels),
                "queues": list(queues),
                "hours": ALL_DAY if hours is None else hours,
                "holidays": list(holidays),
            },
            "term": term or {"start_date": start_date, "renewal_type": "evergreen"},
            "service_levels": list(service_levels),
        }
        for key, value in (
            ("service_credit_terms", service_credit_terms),
            ("termination", termination),
            ("pricing", pricing),
        ):
            if value is not None:
                body[key] = value
        created = await self.post("/v1/contracts", body)
        await self.sign(created["id"])
        return Contract(
            uuid.UUID(created["id"]),
            uuid.UUID(created["client_id"]),
            uuid.UUID(created["operator_id"]),
            created["number"],
            body,
        )

    async def ids(self, **elements: Any) -> tuple[uuid.UUID, uuid.UUID]:
        """``contract(...)``'s (contract id, client id)."""
        contract = await self.contract(**elements)
        return contract.id, contract.client_id

    async def amend(
        self, contract: Contract | uuid.UUID, effective_from: str, **elements: Any
    ) -> None:
        """A signed amendment from ``effective_from``; each element sent (``scope``,
        ``service_levels``, ``service_credit_terms`` ...) replaces the previous one whole."""
        contract_id = contract.id if isinstance(contract, Contract) else contract
        body = {"effective_from": effective_from, "change_summary": "amended", **elements}
        await self.post(f"/v1/contracts/{contract_id}/amendments", body)
        await self.sign(contract_id)

    async def sign(self, contract_id: uuid.UUID | str) -> None:
        """Submit, approve, send for signature and have both parties sign the open version."""
        base = f"/v1/contracts/{contract_id}"
        await self.post(f"{base}/actions/submit", {"reason": "ready"}, 200)
        await self.post(f"{base}/actions/approve", {"reason": "ok"}, 200)
        await self.post(f"{base}/actions/send_for_signature", {"signers": SIGNERS}, 200)
        for signer in SIGNERS:
            await self.post(f"{base}/signatures", {"email": signer["email"]})

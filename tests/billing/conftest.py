"""Billing against the REAL contracts and metrics apps, in-process.

Contracts are made through the contracts API (``tests.world``) and usage and SLA figures come
from contact records and agent activity ingested into the metrics API; both apps' writes are
rolled back after each test. The only stand-in is on the network: ``Outages`` makes requests
naming a given contract fail to connect (fault injection)."""

import itertools
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from billing.main import create_app
from billing.settings import BillingSettings
from metrics.contracts_client import ContractsClient
from metrics.main import create_app as create_metrics_app
from metrics.settings import MetricsSettings
from shared.auth import Role
from shared.http import ServiceClient
from tests.conftest import Keys, TokenFactory, api_client, rolled_back, running_app
from tests.world import Outages, World, contracts_app, rolled_back_serially

__all__ = ["contracts_app"]

BillingFactory = Callable[[], AbstractAsyncContextManager[FastAPI]]


@pytest.fixture(scope="session")
async def metrics_app(
    database_urls: dict[str, str], contracts_app: FastAPI, token: TokenFactory
) -> AsyncIterator[FastAPI]:
    """The real metrics app, reading the real contracts app."""
    app = create_metrics_app(MetricsSettings(database_url=database_urls["metrics"]))
    app.state.contracts = ContractsClient(
        ServiceClient(
            "contracts",
            "http://contracts",
            token_provider=lambda: token(Role.service),
            transport=httpx.ASGITransport(app=contracts_app),
        ),
        ttl_seconds=0,
    )
    async with running_app(app):
        yield app


@dataclass(frozen=True)
class Network:
    """What billing reaches its upstreams through: the real apps, with injectable outages."""

    contracts: Outages
    metrics: Outages


@pytest.fixture(scope="session")
def network(contracts_app: FastAPI, metrics_app: FastAPI) -> Network:
    return Network(Outages(contracts_app), Outages(metrics_app))


@pytest.fixture(scope="session")
def billing_settings(database_urls: dict[str, str], keys: Keys) -> BillingSettings:
    return BillingSettings(
        database_url=database_urls["billing"],
        jwt_private_key_file=keys.private_path,
        run_resume_on_startup=False,  # each test starts the runs it means to
        run_watch_interval_seconds=0,
        webhook_dispatch=False,  # webhook tests deliver when they mean to
        sla_alert_interval_seconds=0,  # alert tests judge when they mean to
    )


@pytest.fixture(scope="session")
def make_billing(billing_settings: BillingSettings, network: Network) -> BillingFactory:
    """A fresh billing app reading the real contracts and metrics apps (in-process HTTP)."""

    @asynccontextmanager
    async def make() -> AsyncIterator[FastAPI]:
        transports = {"contracts": network.contracts, "metrics": network.metrics}
        app = create_app(billing_settings, transports=transports)
        async with running_app(app):
            yield app

    return make


@pytest.fixture(scope="session")
async def billing_app(make_billing: BillingFactory) -> AsyncIterator[FastAPI]:
    async with make_billing() as app:
        yield app


class BillingWorld(World):
    """Contracts as billing needs them, and the metrics figures billing prices."""

    def __init__(
        self, contracts: httpx.AsyncClient, metrics: httpx.AsyncClient, network: Network
    ) -> None:
        super().__init__(contracts)
        self.metrics = metrics
        self.network = network
        self._source = False
        self._ids = itertools.count()

    async def billed(
        self,
        *,
        currency: str = "EUR",
        start: str = "2026-01-01",
        end: str | None = None,
        terminated_on: str | None = None,
        termination_fee: str | None = None,
        credit_terms: dict[str, Any] | None = None,
        payment_terms_days: int = 30,
        client: str = "Acme",
        **elements: Any,
    ) -> str:
        """A signed contract (evergreen unless ``end``); with ``terminated_on``, terminated for
        convenience with that last day in force and a fixed fee (or none)."""
        term: dict[str, Any] = {"start_date": start, "renewal_type": "evergreen"}
        if end is not None:
            term = {"start_date": start, "end_date": end, "renewal_type": "fixed"}
        fee = {"kind": "fixed", "amount": termination_fee} if termination_fee else {"kind": "none"}
        contract = await self.contract(
            client_id=await self.client(client),
            time_zone="America/Sao_Paulo",
            currency=currency,
            term=term,
            pricing={"payment_terms_days": payment_terms_days},
            termination={"for_convenience": True, "notice_days": 0, "early_termination_fee": fee},
            service_credit_terms=credit_terms,
            **elements,
        )
        if terminated_on is not None:
            await self.post(
                f"/v1/contracts/{contract.id}/termination",
                {
                    "reason": "moving in-house",
                    "notice_date": start,
                    "effective_date": terminated_on,
                },
                200,
            )
        return str(contract.id)

    @contextmanager
    def metrics_down(self, *contract_ids: str) -> Iterator[None]:
        """Billing's requests to metrics about these contracts fail to connect in the block."""
        self.network.metrics.down_for.update(contract_ids)
        try:
            yield
        finally:
            self.network.metrics.down_for.difference_update(contract_ids)

    async def client_of(self, contract_id: str) -> str:
        response = await self.api.get(f"/v1/contracts/{contract_id}")
        assert response.status_code == 200, response.text
        return response.json()["client_id"]

    async def push(self, url: str, records: Sequence[dict[str, Any]]) -> None:
        if not self._source:
            made = await self.metrics.post("/v1/sources", json={"name": "pbx", "kind": "api"})
            assert made.status_code == 201, made.text
            self._source = True
        for i in range(0, len(records), 10_000):
            batch = list(records[i : i + 10_000])
            response = await self.metrics.post(url, json={"source": "pbx", "records": batch})
            assert response.status_code == 200, response.text
            assert response.json()["rejected"] == 0, response.json()["rejections"][:3]

    async def contacts(
        self,
        contract_id: str,
        period: str,
        calls: Sequence[dict[str, Any]],
        day: int = 2,
    ) -> None:
        """Ingest contacts of ``period`` (from the ``day``, one a minute); each item gives
        ``outcome`` (answered), ``handle`` seconds (talk), ``wait``, ``channel`` (voice)."""
        start = datetime.fromisoformat(f"{period}-{day:02d}T12:00:00+00:00")
        records = []
        for i, call in enumerate(calls):
            outcome = call.get("outcome", "answered")
            records.append(
                {
                    "external_id": f"c{next(self._ids)}",
                    "contract_id": contract_id,
                    "queue": "support",
                    "channel": call.get("channel", "voice"),
                    "enqueued_at": (start + timedelta(minutes=i)).isoformat(),
                    "wait_seconds": call.get("wait", 5),
                    "talk_seconds": call.get("handle", 0) if outcome == "answered" else 0,
                    "outcome": outcome,
                }
            )
        await self.push("/v1/contact-records", records)

    async def handled(
        self,
        contract_id: str,
        period: str,
        seconds: Sequence[int],
        channel: str = "voice",
        day: int = 2,
    ) -> None:
        """Answered contacts of these handle times (from the ``day``, 12:00 UTC)."""
        await self.contacts(
            contract_id, period, [{"handle": s, "channel": channel} for s in seconds], day
        )

    async def agent_hours(self, contract_id: str, period: str, hours: Sequence[float]) -> None:
        """Productive agent time: one on-contact span per item, one a day from the 2nd."""
        day = datetime.fromisoformat(f"{period}-02T09:00:00+00:00").astimezone(UTC)
        spans = []
        for i, length in enumerate(hours):
            begin = day + timedelta(days=i // 8, minutes=i % 8)
            spans.append(
                {
                    "external_id": f"a{next(self._ids)}",
                    "contract_id": contract_id,
                    "agent": f"agent-{i % 8}",
                    "state": "on_contact",
                    "started_at": begin.isoformat(),
                    "ended_at": (begin + timedelta(hours=length)).isoformat(),
                }
            )
        await self.push("/v1/agent-activity", spans)

    async def quality_scores(self, contract_id: str, period: str, scores: Sequence[str]) -> None:
        """QA evaluations of agents' days in the contract, one a day from the 2nd, each
        made the next day at 12:00 UTC."""
        first = date.fromisoformat(f"{period}-02")
        evaluations = []
        for i, score in enumerate(scores):
            day = first + timedelta(days=i)
            evaluations.append(
                {
                    "external_id": f"qa{next(self._ids)}",
                    "contract_id": contract_id,
                    "agent": f"agent-{i % 8}",
                    "day": day.isoformat(),
                    "evaluated_at": f"{day + timedelta(days=1)}T12:00:00Z",
                    "score": score,
                }
            )
        await self.push("/v1/quality-evaluations", evaluations)


WorldFactory = Callable[[], AbstractAsyncContextManager[BillingWorld]]


@pytest.fixture(scope="session")
def make_world(
    contracts_app: FastAPI, metrics_app: FastAPI, network: Network, token: TokenFactory
) -> WorldFactory:
    """``async with make_world() as world``: contracts and metrics data rolled back at the end
    of the block. (Billing shows an event once every older transaction of the PostgreSQL server
    has ended, so a test reading billing events leaves this block first.)"""

    @asynccontextmanager
    async def make() -> AsyncIterator[BillingWorld]:
        async with (
            rolled_back_serially(contracts_app),
            rolled_back_serially(metrics_app),
            api_client(contracts_app, token("operator")) as contracts,
            api_client(metrics_app, token("operator")) as metrics,
        ):
            try:
                yield BillingWorld(contracts, metrics, network)
            finally:
                await network.contracts.settle()
                await network.metrics.settle()

    return make


@pytest.fixture
async def world(make_world: WorldFactory) -> AsyncIterator[BillingWorld]:
    """Contracts and metrics data for one test, rolled back after it."""
    async with make_world() as world:
        yield world


@pytest.fixture
async def finance(
    billing_app: FastAPI, token: TokenFactory, world: BillingWorld
) -> AsyncIterator[httpx.AsyncClient]:
    """A finance user's client of the billing API, inside a rolled-back transaction."""
    async with rolled_back(billing_app), api_client(billing_app, token("finance")) as client:
        yield client

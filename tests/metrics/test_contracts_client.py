"""The contracts client against the REAL contracts app (in-process), with contracts made
through its API."""

import uuid
from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI

from metrics.contracts_client import ContractsClient, QueueContract, QueueUnclaimed
from shared.auth import Role
from shared.errors import NotFound
from shared.http import ServiceClient
from tests.conftest import TokenFactory
from tests.world import Calls, World


def client_for(app: FastAPI, token: TokenFactory, ttl: float) -> tuple[ContractsClient, Calls]:
    calls = Calls(app)
    service = ServiceClient(
        "contracts", "http://contracts", token_provider=lambda: token(Role.service), transport=calls
    )
    return ContractsClient(service, ttl_seconds=ttl), calls


class TestQueueLookup:
    async def test_cached_per_queue_and_hour(
        self, world: World, contracts_tx: FastAPI, token: TokenFactory
    ) -> None:
        contract_id, client_id = await world.ids(queues=["support"])
        contracts, calls = client_for(contracts_tx, token, ttl=60)
        at = datetime(2026, 10, 1, 12, 5, tzinfo=UTC)
        for minute in (5, 10, 59):
            answer = await contracts.queue_lookup("support", at.replace(minute=minute))
            assert isinstance(answer, QueueContract) and answer.contract_id == contract_id
            assert answer.client_id == client_id
        assert calls.seen == ["GET /v1/contracts/queue-lookup"]
        await contracts.queue_lookup("support", at.replace(hour=13))
        assert len(calls.seen) == 2
        await contracts.aclose()

    async def test_unclaimed_queue_is_none_and_no_cache_with_zero_ttl(
        self, contracts_tx: FastAPI, token: TokenFactory
    ) -> None:
        contracts, calls = client_for(contracts_tx, token, ttl=0)
        at = datetime(2026, 10, 1, 12, tzinfo=UTC)
        assert await contracts.queue_lookup("nobody", at) == QueueUnclaimed("unclaimed")
        assert await contracts.queue_lookup("nobody", at) == QueueUnclaimed("unclaimed")
        assert len(calls.seen) == 2
        await contracts.aclose()

    async def test_cached_per_tenant_never_across(
        self, world: World, contracts_tx: FastAPI, token: TokenFactory
    ) -> None:
        """A tenant's answer (another client's queue: unclaimed) is never served to another
        caller, nor the operator's answer to a tenant."""
        _, client_id = await world.ids(queues=["support"])
        other = await world.client()
        contracts, calls = client_for(contracts_tx, token, ttl=60)
        at = datetime(2026, 10, 1, 12, 5, tzinfo=UTC)
        theirs = token(Role.client, client_id=other)
        assert await contracts.queue_lookup(
            "support", at, tenant=other, token=theirs
        ) == QueueUnclaimed("unclaimed")
        answer = await contracts.queue_lookup("support", at)
        assert isinstance(answer, QueueContract) and answer.client_id == client_id
        assert await contracts.queue_lookup(
            "support", at, tenant=other, token=theirs
        ) == QueueUnclaimed("unclaimed")
        assert len(calls.seen) == 2
        await contracts.aclose()


class TestQueueClaims:
    async def test_cached_per_queue_and_day_and_asked_only_for_what_is_missing(
        self, world: World, contracts_tx: FastAPI, token: TokenFactory
    ) -> None:
        contract_id, client_id = await world.ids(queues=["support", "sales"])
        contracts, calls = client_for(contracts_tx, token, ttl=60)
        october = (date(2026, 10, 1), date(2026, 10, 31))
        spans = await contracts.queue_claims(["support", "nobody"], october)
        assert spans["nobody"] == []
        (support,) = spans["support"]  # the daily spans of the answer, one each
        assert support.contract == QueueContract(contract_id, client_id, "support")
        assert support.begins <= datetime(2026, 10, 1, tzinfo=UTC)
        assert support.ends >= datetime(2026, 11, 1, tzinfo=UTC)
        assert calls.seen == ["POST /v1/contracts/queue-claims"]
        await contracts.queue_claims(["support"], (date(2026, 10, 3), date(2026, 10, 9)))
        assert len(calls.seen) == 1  # every day of it is known
        both = await contracts.queue_claims(["support", "sales"], october)
        assert len(calls.seen) == 2 and both["sales"][0].contract.queue == "sales"
        await contracts.aclose()

    async def test_cached_per_tenant_never_across(
        self, world: World, contracts_tx: FastAPI, token: TokenFactory
    ) -> None:
        await world.ids(queues=["support"])
        other = await world.client()
        contracts, calls = client_for(contracts_tx, token, ttl=60)
        day = (date(2026, 10, 1), date(2026, 10, 1))
        theirs = token(Role.client, client_id=other)
        assert await contracts.queue_claims(["support"], day, tenant=other, token=theirs) == {
            "support": []
        }
        assert len((await contracts.queue_claims(["support"], day))["support"]) == 1
        assert (await contracts.queue_claims(["support"], day, tenant=other, token=theirs))[
            "support"
        ] == []
        assert len(calls.seen) == 2
        await contracts.aclose()


class TestServiceTerms:
    async def test_shape_and_not_found(
        self, world: World, contracts_tx: FastAPI, token: TokenFactory
    ) -> None:
        contract_id, _ = await world.ids(time_zone="Europe/Lisbon")
        contracts, _ = client_for(contracts_tx, token, ttl=60)
        terms = await contracts.service_terms(contract_id, date(2026, 10, 1), date(2026, 10, 31))
        assert terms["time_zone"] == "Europe/Lisbon"
        assert terms["versions"][0]["version"] == 1
        with pytest.raises(NotFound):
            await contracts.service_terms(uuid.uuid4(), date(2026, 10, 1), date(2026, 10, 31))
        await contracts.aclose()

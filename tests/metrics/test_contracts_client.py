"""The contracts client against a tiny FastAPI app serving the cross-service shapes.

The fake stands for the contracts service until that is merged; then these tests should run
against the real contracts app."""

import uuid
from datetime import UTC, date, datetime

import httpx
import pytest

from metrics.contracts_client import ContractsClient
from shared.errors import NotFound
from shared.http import ServiceClient
from tests.metrics.fake_contracts import FakeContracts, build_fake_contracts_app


def client_for(data: FakeContracts, ttl: float) -> ContractsClient:
    return ContractsClient(
        ServiceClient(
            "contracts",
            "http://contracts",
            transport=httpx.ASGITransport(app=build_fake_contracts_app(data)),
        ),
        ttl_seconds=ttl,
    )


class TestQueueLookup:
    async def test_cached_per_queue_and_hour(self) -> None:
        data = FakeContracts()
        contract_id, client_id = data.add_contract(queues=["support"])
        contracts = client_for(data, ttl=60)
        at = datetime(2026, 10, 1, 12, 5, tzinfo=UTC)
        for minute in (5, 10, 59):
            answer = await contracts.queue_lookup("support", at.replace(minute=minute))
            assert answer is not None and answer.contract_id == contract_id
            assert answer.client_id == client_id
        assert data.calls == ["queue-lookup support"]
        await contracts.queue_lookup("support", at.replace(hour=13))
        assert len(data.calls) == 2
        await contracts.aclose()

    async def test_unclaimed_queue_is_none_and_no_cache_with_zero_ttl(self) -> None:
        data = FakeContracts()
        contracts = client_for(data, ttl=0)
        at = datetime(2026, 10, 1, 12, tzinfo=UTC)
        assert await contracts.queue_lookup("nobody", at) is None
        assert await contracts.queue_lookup("nobody", at) is None
        assert len(data.calls) == 2
        await contracts.aclose()


class TestServiceTerms:
    async def test_shape_and_not_found(self) -> None:
        data = FakeContracts()
        contract_id, _ = data.add_contract(time_zone="Europe/Lisbon")
        contracts = client_for(data, ttl=60)
        terms = await contracts.service_terms(contract_id, date(2026, 10, 1), date(2026, 10, 31))
        assert terms["time_zone"] == "Europe/Lisbon"
        assert terms["versions"][0]["version"] == 1
        with pytest.raises(NotFound):
            await contracts.service_terms(uuid.uuid4(), date(2026, 10, 1), date(2026, 10, 31))
        await contracts.aclose()

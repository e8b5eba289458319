"""Another tenant's ids and keys, on the reads and writes whose tenancy moved from the routers
into the services (contact records, QA evaluations, KPIs, customer erasure): refused exactly as
before, another tenant's contract answering as an unknown one (404)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TokenFactory, api_client
from tests.metrics.builders import contact, make_source
from tests.world import World

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
B_CUSTOMER = "+55 11 99000-0002"
KPI_RANGE = {"from": "2026-10-01", "to": "2026-10-03", "granularity": "total"}


@dataclass
class Tenants:
    """Clients A and B with a contract each (A claims queue a-voice, B b-voice); a call of each
    through an operator-wide source, an evaluation of each through its client's QA source."""

    a_client: uuid.UUID
    a_contract: uuid.UUID
    b_client: uuid.UUID
    b_contract: uuid.UUID
    partner_a: httpx.AsyncClient
    client_a: httpx.AsyncClient


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


async def push(
    client: httpx.AsyncClient, path: str, source: str, records: list[Any]
) -> httpx.Response:
    return await client.post(path, json={"source": source, "records": records})


def evaluation(external_id: str, call: str, score: str = "80.00") -> dict[str, Any]:
    return {
        "external_id": external_id,
        "evaluated_at": "2026-10-01T15:30:00Z",
        "score": score,
        "contact": call,
        "contact_source": "ops-connect",
    }


@pytest.fixture
async def tenants(
    metrics: httpx.AsyncClient, metrics_app: FastAPI, world: World, token: TokenFactory
) -> AsyncIterator[Tenants]:
    a_contract, a_client = await world.ids(queues=["a-voice"], start_date="2026-01-01")
    b_contract, b_client = await world.ids(queues=["b-voice"], start_date="2026-01-01")
    await make_source(metrics, "ops-connect")
    await make_source(metrics, "a-qa", client_id=str(a_client))
    await make_source(metrics, "b-qa", client_id=str(b_client))
    calls = [
        contact("a-call", T0, queue="a-voice", customer="+55 11 99000-0001"),
        contact("b-call", T0, queue="b-voice", customer=B_CUSTOMER),
    ]
    assert ok(await push(metrics, "/v1/contact-records", "ops-connect", calls))["inserted"] == 2
    for source, row in (
        ("a-qa", evaluation("qa-a", "a-call")),
        ("b-qa", evaluation("qa-b", "b-call")),
    ):
        assert ok(await push(metrics, "/v1/quality-evaluations", source, [row]))["inserted"] == 1
    async with (
        api_client(metrics_app, token("partner", client_id=a_client)) as partner_a,
        api_client(metrics_app, token("client", client_id=a_client)) as client_a,
    ):
        yield Tenants(a_client, a_contract, b_client, b_contract, partner_a, client_a)


async def ids(client: httpx.AsyncClient, path: str, **params: str) -> list[str]:
    items = ok(await client.get(path, params={"limit": 500, **params}))["items"]
    return sorted(item["external_id"] for item in items)


async def contacts_counted(client: httpx.AsyncClient, **params: Any) -> int:
    report = ok(await client.get("/v1/kpis", params={**KPI_RANGE, **params}))
    return sum(bucket["counts"]["contacts"] for bucket in report["buckets"])


def same_as_unknown(other: httpx.Response, unknown: httpx.Response) -> None:
    assert (other.status_code, unknown.status_code) == (404, 404), (other.text, unknown.text)
    assert other.json()["title"] == unknown.json()["title"]


@pytest.mark.parametrize("path", ["/v1/contact-records", "/v1/quality-evaluations"])
class TestListing:
    async def test_a_tenant_lists_its_own_client_and_its_own_contract(
        self, metrics: httpx.AsyncClient, tenants: Tenants, path: str
    ) -> None:
        mine = "a-call" if path == "/v1/contact-records" else "qa-a"
        theirs = "b-call" if path == "/v1/contact-records" else "qa-b"
        assert await ids(metrics, path) == sorted([mine, theirs])
        for caller in (tenants.client_a, tenants.partner_a):
            assert await ids(caller, path) == [mine]
            assert await ids(caller, path, contract_id=str(tenants.a_contract)) == [mine]

    async def test_another_tenants_contract_answers_as_an_unknown_one(
        self, metrics: httpx.AsyncClient, tenants: Tenants, path: str
    ) -> None:
        for caller in (tenants.client_a, tenants.partner_a):
            other = await caller.get(path, params={"contract_id": str(tenants.b_contract)})
            unknown = await caller.get(path, params={"contract_id": str(uuid.uuid4())})
            same_as_unknown(other, unknown)
        # The operator reads every contract's.
        assert len(await ids(metrics, path, contract_id=str(tenants.b_contract))) == 1


class TestEvaluationWrites:
    async def test_a_tenant_cannot_overwrite_or_attach_to_another_clients(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        forged = evaluation("qa-b", "b-call", score="1.00")
        # Through B's source: answered as an unknown source.
        refused = await push(tenants.partner_a, "/v1/quality-evaluations", "b-qa", [forged])
        unknown = await push(tenants.partner_a, "/v1/quality-evaluations", "nope", [forged])
        same_as_unknown(refused, unknown)
        # Through its own source: B's contact is no such contact.
        result = ok(await push(tenants.partner_a, "/v1/quality-evaluations", "a-qa", [forged]))
        assert [(r["field"], r["message"]) for r in result["rejections"]] == [
            ("contact", "no such contact")
        ]
        (held,) = ok(
            await metrics.get(
                "/v1/quality-evaluations", params={"contract_id": str(tenants.b_contract)}
            )
        )["items"]
        assert (held["external_id"], held["score"]) == ("qa-b", "80.00")


class TestErasure:
    async def test_a_tenant_cannot_erase_another_clients_customer(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        before = await contacts_counted(metrics, contract_id=str(tenants.b_contract))
        erased = ok(
            await tenants.partner_a.post("/v1/customers/erase", json={"customer": B_CUSTOMER})
        )
        assert (erased["erased_records"], erased["erased_evaluations"]) == (0, 0)
        assert await ids(metrics, "/v1/contact-records") == ["a-call", "b-call"]
        assert await ids(metrics, "/v1/quality-evaluations") == ["qa-a", "qa-b"]
        assert await contacts_counted(metrics, contract_id=str(tenants.b_contract)) == before == 1
        # The operator erases it, with its evaluation.
        erased = ok(await metrics.post("/v1/customers/erase", json={"customer": B_CUSTOMER}))
        assert (erased["erased_records"], erased["erased_evaluations"]) == (1, 1)
        assert await ids(metrics, "/v1/contact-records") == ["a-call"]

    async def test_a_tenant_erases_its_own_customer(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        erased = ok(
            await tenants.partner_a.post(
                "/v1/customers/erase", json={"customer": "+55 11 99000-0001"}
            )
        )
        assert (erased["erased_records"], erased["erased_evaluations"]) == (1, 1)
        assert await ids(metrics, "/v1/contact-records") == ["b-call"]
        assert await ids(metrics, "/v1/quality-evaluations") == ["qa-b"]


class TestKpis:
    async def test_a_tenant_reads_only_its_own_client(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        assert await contacts_counted(metrics, queue=["a-voice", "b-voice"]) == 2
        for caller in (tenants.client_a, tenants.partner_a):
            # No filter: the caller's client.
            assert await contacts_counted(caller) == 1
            assert await contacts_counted(caller, client_id=str(tenants.a_client)) == 1
            # Another client's queue or channel: limited to the caller's client.
            assert await contacts_counted(caller, queue="b-voice") == 0
            assert await contacts_counted(caller, channel="voice") == 1

    async def test_another_client_is_refused(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        for caller in (tenants.client_a, tenants.partner_a):
            response = await caller.get(
                "/v1/kpis", params={**KPI_RANGE, "client_id": str(tenants.b_client)}
            )
            assert response.status_code == 422, response.text
            assert "not a client you may read" in response.text
        assert await contacts_counted(metrics, client_id=str(tenants.b_client)) == 1

    @pytest.mark.parametrize("time_zone", [None, "America/Sao_Paulo"])
    async def test_another_tenants_contract_answers_as_an_unknown_one(
        self, metrics: httpx.AsyncClient, tenants: Tenants, time_zone: str | None
    ) -> None:
        extra = {"time_zone": time_zone} if time_zone else {}
        for caller in (tenants.client_a, tenants.partner_a):
            other = await caller.get(
                "/v1/kpis", params={**KPI_RANGE, **extra, "contract_id": str(tenants.b_contract)}
            )
            unknown = await caller.get(
                "/v1/kpis", params={**KPI_RANGE, **extra, "contract_id": str(uuid.uuid4())}
            )
            same_as_unknown(other, unknown)
            own = {**KPI_RANGE, **extra, "contract_id": str(tenants.a_contract)}
            assert await contacts_counted(caller, **own) == 1

    async def test_an_operator_must_name_a_scope(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        response = await metrics.get("/v1/kpis", params=KPI_RANGE)
        assert response.status_code == 422
        assert "give contract_id, client_id, queue or channel" in response.text

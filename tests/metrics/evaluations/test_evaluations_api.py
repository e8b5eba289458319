"""QA evaluations as a QA tool pushes them: of a contact (by the contact record's external id)
or of an agent's day; per-row rejections; idempotent by external id; the tenancy rules of
contact records; erased with the contacts they evaluate."""

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


def evaluation(external_id: str, score: str = "87.50", **about: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "evaluated_at": "2026-10-02T15:30:00Z",
        "score": score,
        **about,
    }


async def push(
    client: httpx.AsyncClient,
    source: str,
    records: list[Any],
    path: str = "/v1/quality-evaluations",
) -> httpx.Response:
    return await client.post(path, json={"source": source, "records": records})


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


async def listed(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/quality-evaluations", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


@dataclass
class Tenants:
    """Clients A and B with a contract each (A claims queue a-voice, B b-voice), an
    operator-wide telephony source carrying both, a QA source of each client, and A's partner."""

    a_contract: uuid.UUID
    b_contract: uuid.UUID
    partner_a: httpx.AsyncClient
    client_a: httpx.AsyncClient


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
        contact("a-call", T0, queue="a-voice", agent="ana"),
        contact("b-call", T0, queue="b-voice", agent="bob"),
    ]
    assert ok(await push(metrics, "ops-connect", calls, "/v1/contact-records"))["inserted"] == 2
    async with (
        api_client(metrics_app, token("partner", client_id=a_client)) as partner_a,
        api_client(metrics_app, token("client", client_id=a_client)) as client_a,
    ):
        yield Tenants(a_contract, b_contract, partner_a, client_a)


class TestIngestion:
    async def test_an_evaluation_of_a_contact_takes_the_contacts_contract_queue_and_agent(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        one = evaluation("qa-1", contact="a-call", contact_source="ops-connect", form="Voice QA v3")
        result = ok(await push(metrics, "a-qa", [one]))
        assert (result["inserted"], result["rejected"]) == (1, 0)
        (stored,) = await listed(metrics, contract_id=str(tenants.a_contract))
        assert stored["contact"] == "a-call"
        assert (stored["queue"], stored["channel"], stored["agent"]) == ("a-voice", "voice", "ana")
        assert (stored["score"], stored["form"]) == ("87.50", "Voice QA v3")
        assert stored["evaluated_at"] == "2026-10-02T15:30:00Z"

    async def test_a_batch_keeps_the_good_rows_and_names_each_bad_ones_field(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        rows: list[Any] = [
            evaluation("ok-contact", contact="a-call", contact_source="ops-connect"),
            evaluation("ok-day", "92", agent="ana", day="2026-10-01", queue="a-voice"),
            evaluation("too-high", "100.01", contact="a-call", contact_source="ops-connect"),
            evaluation("float", 91.5, contact="a-call", contact_source="ops-connect"),
            evaluation("no-subject"),
            evaluation("no-day", agent="ana", queue="a-voice"),
            evaluation("unknown", contact="no-such-call", contact_source="ops-connect"),
            evaluation("unclaimed", agent="ana", day="2026-10-01", queue="nobody-claims"),
            evaluation("naive", contact="a-call", contact_source="ops-connect")
            | {"evaluated_at": "2026-10-02T15:30:00"},
            evaluation("both", contact="a-call", contact_source="ops-connect", queue="a-voice"),
            "not an object",
        ]
        result = ok(await push(metrics, "ops-connect", rows))
        assert (result["received"], result["inserted"], result["rejected"]) == (11, 2, 9)
        assert [(r["index"], r["field"]) for r in result["rejections"]] == [
            (2, "score"),
            (3, "score"),
            (4, "agent"),
            (5, "day"),
            (6, "contact"),
            (7, "queue"),
            (8, "evaluated_at"),
            (9, "queue"),
            (10, "record"),
        ]
        stored = await listed(metrics, contract_id=str(tenants.a_contract))
        assert sorted(e["external_id"] for e in stored) == ["ok-contact", "ok-day"]
        day = next(e for e in stored if e["external_id"] == "ok-day")
        assert (day["agent"], day["day"], day["contact"], day["score"]) == (
            "ana",
            "2026-10-01",
            None,
            "92.00",
        )

    async def test_the_same_external_id_again_updates_the_evaluation(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        first = evaluation("qa-1", "70", contact="a-call", contact_source="ops-connect")
        assert ok(await push(metrics, "a-qa", [first]))["inserted"] == 1
        assert ok(await push(metrics, "a-qa", [first]))["unchanged"] == 1
        recalibrated = {**first, "score": "75.5", "evaluator": "qa-lead"}
        assert ok(await push(metrics, "a-qa", [recalibrated]))["updated"] == 1
        older = {**first, "score": "10", "updated_at": "2026-10-01T00:00:00Z"}
        assert ok(await push(metrics, "a-qa", [older]))["unchanged"] == 1
        (stored,) = await listed(metrics, contract_id=str(tenants.a_contract))
        assert (stored["score"], stored["evaluator"]) == ("75.50", "qa-lead")


class TestTenancy:
    async def test_a_tenant_writes_only_through_its_own_source(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        row = evaluation("qa-1", contact="b-call", contact_source="ops-connect")
        for source in ("b-qa", "ops-connect", "no-such-source"):
            response = await push(tenants.partner_a, source, [row])
            assert response.status_code == 404, source
        assert await listed(metrics) == []

    async def test_another_clients_contact_contract_and_queue_are_unknown(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        rows = [
            evaluation("b-contact", contact="b-call", contact_source="ops-connect"),
            evaluation(
                "b-contract", agent="bob", day="2026-10-01", contract_id=str(tenants.b_contract)
            ),
            evaluation("b-queue", agent="bob", day="2026-10-01", queue="b-voice"),
            evaluation("a-contact", contact="a-call", contact_source="ops-connect"),
        ]
        as_partner = ok(await push(tenants.partner_a, "a-qa", rows))
        # The operator pushing B's contact through A's source is refused the same way.
        as_operator = ok(await push(metrics, "a-qa", rows[:1]))
        assert [(r["index"], r["field"], r["message"]) for r in as_partner["rejections"]] == [
            (0, "contact", "no such contact"),
            (1, "contract_id", "no such contract"),
            (2, "queue", "no contract in force claims queue 'b-voice' on 2026-10-01"),
        ]
        assert as_partner["inserted"] == 1
        assert as_operator["rejections"][0]["message"] == "no such contact"
        assert [e["external_id"] for e in await listed(tenants.client_a)] == ["a-contact"]
        hidden = await tenants.client_a.get(
            "/v1/quality-evaluations", params={"contract_id": str(tenants.b_contract)}
        )
        assert hidden.status_code == 404


class TestErasure:
    async def test_erasing_a_customer_erases_the_evaluations_of_its_contacts(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        call = contact("a-caller", T0, queue="a-voice", customer="+55 11 99000-0001")
        ok(await push(metrics, "ops-connect", [call], "/v1/contact-records"))
        rows = [
            evaluation("of-caller", contact="a-caller", contact_source="ops-connect"),
            evaluation("of-other", contact="a-call", contact_source="ops-connect"),
        ]
        assert ok(await push(metrics, "a-qa", rows))["inserted"] == 2
        erased = await metrics.post("/v1/customers/erase", json={"customer": "+55 11 99000-0001"})
        assert erased.status_code == 200, erased.text
        assert (erased.json()["erased_records"], erased.json()["erased_evaluations"]) == (1, 1)
        assert [e["external_id"] for e in await listed(metrics)] == ["of-other"]
        again = ok(await push(metrics, "a-qa", rows[:1]))
        assert again["rejections"][0]["field"] == "contact"


class TestHostileInput:
    async def test_nul_far_dates_and_odd_numbers_reject_their_own_row(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        good = evaluation("ok", contact="a-call", contact_source="ops-connect")
        rows: list[Any] = [
            good,
            {**good, "external_id": "nul-form", "form": "Voice\u0000QA"},
            {**good, "external_id": "nul-source", "contact_source": "ops\u0000connect"},
            {**good, "external_id": "nul-contact", "contact": "a-\u0000call"},
            {**good, "external_id": "far", "evaluated_at": "9999-12-31T23:59:59-05:00"},
            evaluation("far-day", agent="ana", day="0001-01-01", queue="a-voice"),
            {**good, "external_id": "nan", "score": "NaN"},
            {**good, "external_id": "huge", "score": "1e1000"},
            {**good, "external_id": "bool", "score": True},
            {**good, "external_id": "three-places", "score": "80.125"},
        ]
        response = await push(metrics, "ops-connect", rows)
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["inserted"] == 1
        assert [(r["index"], r["field"]) for r in result["rejections"]] == [
            (1, "form"),
            (2, "contact_source"),
            (3, "contact"),
            (4, "evaluated_at"),
            (5, "day"),
            (6, "score"),
            (7, "score"),
            (8, "score"),
            (9, "score"),
        ]
        listed_far = await metrics.get(
            "/v1/quality-evaluations", params={"from": "0001-01-01T00:00:00+05:00"}
        )
        assert listed_far.status_code == 422

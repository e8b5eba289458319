"""Tenancy of everything written through a source: a caller writes only through sources it owns,
a record's client is its contract's client, a record never moves to another tenant, and no
answer tells a tenant anything about another tenant's records, queues or contracts."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TokenFactory, api_client
from tests.metrics.builders import contact, make_source
from tests.world import World

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


@dataclass
class Tenants:
    """Clients A and B with a contract each (A claims queue a-voice, B b-voice); an
    operator-wide source, and a source of each client."""

    a_client: uuid.UUID
    a_contract: uuid.UUID
    b_client: uuid.UUID
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
    await make_source(metrics, "a-pbx", client_id=str(a_client))
    await make_source(metrics, "b-pbx", client_id=str(b_client))
    async with (
        api_client(metrics_app, token("partner", client_id=a_client)) as partner_a,
        api_client(metrics_app, token("client", client_id=a_client)) as client_a,
    ):
        yield Tenants(a_client, a_contract, b_client, b_contract, partner_a, client_a)


async def push(
    client: httpx.AsyncClient, source: str, records: list[Any], path: str = "/v1/contact-records"
) -> httpx.Response:
    return await client.post(path, json={"source": source, "records": records})


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


async def records_of(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/contact-records", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


class TestSourcesATenantMayWriteThrough:
    async def test_only_its_own_sources(self, metrics: httpx.AsyncClient, tenants: Tenants) -> None:
        """The attack: A's partner names the operator-wide source and B's external id. Both
        the operator's and B's sources answer as an unknown source does, and nothing changes."""
        original = contact("b-1", T0, queue="b-voice", updated_at=T0)
        assert ok(await push(metrics, "ops-connect", [original]))["inserted"] == 1
        forged = {**original, "talk_seconds": 1, "updated_at": "2026-10-01T13:00:00Z"}
        unknown = await push(tenants.partner_a, "no-such-source", [forged])
        assert unknown.status_code == 404
        for source in ("ops-connect", "b-pbx"):
            for path in ("/v1/contact-records", "/v1/agent-activity"):
                response = await push(tenants.partner_a, source, [forged], path)
                assert response.status_code == 404, (source, path, response.text)
                assert response.json()["detail"] == unknown.json()["detail"].replace(
                    "no-such-source", source
                )
            imported = await tenants.partner_a.post(
                "/v1/imports/csv",
                params={"source": source},
                content=b"external_id,queue,enqueued_at,wait_seconds,outcome\n"
                b"b-1,b-voice,2026-10-01T12:00:00Z,5,abandoned\n",
            )
            assert imported.status_code == 404, imported.text
        (stored,) = await records_of(metrics)
        assert stored["talk_seconds"] == original["talk_seconds"]
        assert stored["client_id"] == str(tenants.b_client)

    async def test_an_operator_wide_partner_writes_through_operator_sources(
        self,
        metrics_app: FastAPI,
        metrics: httpx.AsyncClient,
        tenants: Tenants,
        token: TokenFactory,
    ) -> None:
        async with api_client(metrics_app, token("partner")) as partner:
            result = ok(await push(partner, "ops-connect", [contact("o-1", T0, queue="a-voice")]))
            assert result["inserted"] == 1

    async def test_a_tenant_sees_only_its_own_sources(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        listed = (await tenants.client_a.get("/v1/sources")).json()["items"]
        assert [s["name"] for s in listed] == ["a-pbx"]
        everything = (await metrics.get("/v1/sources")).json()["items"]
        by_name = {s["name"]: s["id"] for s in everything}
        for name in ("ops-connect", "b-pbx"):
            response = await tenants.client_a.get(f"/v1/sources/{by_name[name]}")
            assert response.status_code == 404
        assert (await tenants.client_a.get(f"/v1/sources/{by_name['a-pbx']}")).status_code == 200


class TestARecordsClientIsItsContracts:
    async def test_another_clients_queue_answers_as_an_unknown_queue(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        """Through A's source (by A's partner or by the operator), B's queue and B's contract
        are refused exactly as an unknown queue and an unknown contract are."""
        rows = [
            contact("x-1", T0, queue="b-voice"),
            contact("x-2", T0, queue="nobody-voice"),
            contact("x-3", T0, queue="b-voice", contract_id=tenants.b_contract),
            contact("x-4", T0, queue="b-voice", contract_id=uuid.uuid4()),
        ]
        for caller in (tenants.partner_a, metrics):
            result = ok(await push(caller, "a-pbx", rows))
            assert result["inserted"] == 0 and result["rejected"] == 4
            by_index = {r["index"]: r for r in result["rejections"]}
            assert by_index[0]["field"] == by_index[1]["field"] == "queue"
            assert by_index[0]["message"].replace("b-voice", "Q") == by_index[1]["message"].replace(
                "nobody-voice", "Q"
            )
            assert by_index[2]["field"] == by_index[3]["field"] == "contract_id"
            assert by_index[2]["message"] == by_index[3]["message"]
            assert "another client" not in str(result)
        assert await records_of(metrics) == []

    async def test_the_client_is_the_contracts_whoever_sends_it(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        """From the operator's source, resolved from the queue or named, each record carries
        its contract's client, so the client's own caller lists it and no one else's does."""
        result = ok(
            await push(
                metrics,
                "ops-connect",
                [
                    contact("q-a", T0, queue="a-voice"),
                    contact("c-a", T0, queue="a-voice", contract_id=tenants.a_contract),
                    contact("c-b", T0, queue="b-voice", contract_id=tenants.b_contract),
                ],
            )
        )
        assert result["inserted"] == 3
        clients = {r["external_id"]: r["client_id"] for r in await records_of(metrics)}
        assert clients == {
            "q-a": str(tenants.a_client),
            "c-a": str(tenants.a_client),
            "c-b": str(tenants.b_client),
        }
        mine = await records_of(tenants.client_a)
        assert sorted(r["external_id"] for r in mine) == ["c-a", "q-a"]

    async def test_a_partner_pushing_its_queue_is_stored_as_its_client(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        result = ok(await push(tenants.partner_a, "a-pbx", [contact("p-1", T0, queue="a-voice")]))
        assert result["inserted"] == 1
        (record,) = await records_of(tenants.client_a)
        assert record["contract_id"] == str(tenants.a_contract)


class TestNamedContracts:
    async def test_an_unknown_contract_or_one_another_contracts_queue_is_rejected(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        result = ok(
            await push(
                metrics,
                "ops-connect",
                [
                    contact("u-1", T0, queue="a-voice", contract_id=uuid.uuid4()),
                    contact("u-2", T0, queue="a-voice", contract_id=tenants.b_contract),
                    contact("u-3", T0, queue="a-voice", contract_id=tenants.a_contract),
                ],
            )
        )
        assert result["inserted"] == 1
        assert [(r["index"], r["field"]) for r in result["rejections"]] == [
            (0, "contract_id"),
            (1, "contract_id"),
        ]
        assert str(tenants.a_contract) in result["rejections"][1]["message"]


class TestUpdatesStayWithTheirTenant:
    async def test_a_record_cannot_move_to_another_client(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        first = contact("m-1", T0, queue="a-voice", updated_at=T0)
        assert ok(await push(metrics, "ops-connect", [first]))["inserted"] == 1
        moved = contact("m-1", T0, queue="b-voice", updated_at=T0 + timedelta(hours=1))
        named = contact(
            "m-1",
            T0,
            queue="b-voice",
            contract_id=tenants.b_contract,
            updated_at=T0 + timedelta(hours=2),
        )
        for version in (moved, named):
            result = ok(await push(metrics, "ops-connect", [version]))
            assert (result["updated"], result["rejected"]) == (0, 1), result
            assert result["rejections"][0]["field"] == "external_id"
        (stored,) = await records_of(metrics)
        assert (stored["client_id"], stored["queue"]) == (str(tenants.a_client), "a-voice")
        kpis = await tenants.client_a.get(
            "/v1/kpis",
            params={
                "contract_id": str(tenants.a_contract),
                "from": "2026-10-01",
                "to": "2026-10-02",
                "granularity": "total",
            },
        )
        assert kpis.json()["buckets"][0]["counts"]["offered"] == 1

    async def test_agent_activity_cannot_move_to_another_client(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        span = {
            "external_id": "s-1",
            "contract_id": str(tenants.a_contract),
            "agent": "ana",
            "state": "on_contact",
            "started_at": "2026-10-01T12:00:00Z",
            "ended_at": "2026-10-01T12:10:00Z",
        }
        assert ok(await push(metrics, "ops-connect", [span], "/v1/agent-activity"))["inserted"] == 1
        moved = {**span, "contract_id": str(tenants.b_contract), "updated_at": "2026-10-02T00:00Z"}
        result = ok(await push(metrics, "ops-connect", [moved], "/v1/agent-activity"))
        assert (result["updated"], result["rejected"]) == (0, 1)
        assert result["rejections"][0]["field"] == "external_id"


class TestAgentActivity:
    async def test_spans_are_their_contracts_client_and_checked_for_every_caller(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        def span(external_id: str, contract_id: object) -> dict[str, Any]:
            return {
                "external_id": external_id,
                "contract_id": str(contract_id),
                "agent": "ana",
                "state": "available",
                "started_at": "2026-10-01T12:00:00Z",
                "ended_at": "2026-10-01T12:10:00Z",
            }

        rows = [span("s-a", tenants.a_contract), span("s-b", tenants.b_contract)]
        rows.append(span("s-x", uuid.uuid4()))
        for caller in (metrics, tenants.partner_a):
            result = ok(await push(caller, "a-pbx", rows, "/v1/agent-activity"))
            assert [(r["index"], r["field"]) for r in result["rejections"]] == [
                (1, "contract_id"),
                (2, "contract_id"),
            ]
            assert result["rejections"][0]["message"] == result["rejections"][1]["message"]
        result = ok(await push(metrics, "ops-connect", rows[1:], "/v1/agent-activity"))
        assert [(r["index"], r["field"]) for r in result["rejections"]] == [(1, "contract_id")]


class TestErasure:
    async def test_a_tenant_erases_only_its_own_records(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        person = "+55 11 99000-0001"
        rows = [
            contact("e-a", T0, queue="a-voice", customer=person),
            contact("e-b", T0, queue="b-voice", customer=person),
        ]
        assert ok(await push(metrics, "ops-connect", rows))["inserted"] == 2
        erased = await tenants.partner_a.post("/v1/customers/erase", json={"customer": person})
        assert erased.status_code == 200, erased.text
        assert erased.json()["erased_records"] == 1
        # Erasing again (or someone unknown) answers alike: nothing says B still has records.
        again = await tenants.partner_a.post("/v1/customers/erase", json={"customer": person})
        stranger = await tenants.partner_a.post(
            "/v1/customers/erase", json={"customer": "+55 11 99000-0002"}
        )
        assert again.json()["erased_records"] == stranger.json()["erased_records"] == 0
        assert [r["external_id"] for r in await records_of(metrics)] == ["e-b"]
        # B's platform resending its record is not blocked by A's erasure.
        resent = {**rows[1], "updated_at": "2026-10-01T14:00:00Z"}
        assert ok(await push(metrics, "ops-connect", [resent]))["updated"] == 1


class TestWhyNoContract:
    async def test_the_rejection_says_why(
        self, metrics: httpx.AsyncClient, world: World, tenants: Tenants
    ) -> None:
        await world.ids(queues=["later-voice"], start_date="2026-11-01")
        result = ok(
            await push(
                metrics,
                "ops-connect",
                [contact("w-1", T0, queue="later-voice"), contact("w-2", T0, queue="nobody")],
            )
        )
        first, second = result["rejections"]
        assert "not in force" in first["message"] and "starts on 2026-11-01" in first["message"]
        assert second["message"].startswith("no contract claims queue 'nobody'")


class TestDeepAttributes:
    # 1,000 levels: more than Python's json (and so httpx) can encode, so written as text.
    DEEP = '{"a": ' * 1000 + "1" + "}" * 1000

    @classmethod
    async def post_deep(
        cls, client: httpx.AsyncClient, path: str, rows: list[dict[str, Any]]
    ) -> httpx.Response:
        body = json.dumps({"source": "ops-connect", "records": rows}).replace('"@DEEP@"', cls.DEEP)
        return await client.post(
            path, content=body.encode(), headers={"content-type": "application/json"}
        )

    async def test_deep_attributes_are_a_rejection_on_both_ways_in(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        fine = contact("d-2", T0, queue="a-voice", attributes={"a": {"b": [1, {"c": 2}]}})
        bad_row = {"external_id": "bad"}
        # 100 levels: parsed, then refused per row, whether the whole body decodes the fast
        # (msgspec) way or a bad row sends it the per-row (pydantic) way.
        hundred = contact("d-1", T0, queue="a-voice", attributes="@DEEP100@")
        for rows in ([hundred, fine], [hundred, fine, bad_row]):
            body = json.dumps({"source": "ops-connect", "records": rows})
            body = body.replace('"@DEEP100@"', '{"a": ' * 100 + "1" + "}" * 100)
            response = await metrics.post(
                "/v1/contact-records",
                content=body.encode(),
                headers={"content-type": "application/json"},
            )
            result = ok(response)
            assert result["inserted"] + result["unchanged"] == 1
            assert (result["rejections"][0]["index"], result["rejections"][0]["field"]) == (
                0,
                "attributes",
            )
        # 1,000 levels: past what the JSON parser accepts, a 422 on the body, never a 500.
        deep = contact("d-1", T0, queue="a-voice", attributes="@DEEP@")
        for rows in ([deep, fine], [deep, fine, bad_row]):
            response = await self.post_deep(metrics, "/v1/contact-records", rows)
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["field"] == "body"
            assert "recursion limit" in response.json()["errors"][0]["message"]
        assert [r["external_id"] for r in await records_of(metrics)] == ["d-2"]

    async def test_deep_values_in_agent_activity_are_not_a_500(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        span = {
            "external_id": "s-d",
            "contract_id": str(tenants.a_contract),
            "agent": "ana",
            "state": "available",
            "started_at": "2026-10-01T12:00:00Z",
            "ended_at": "2026-10-01T12:10:00Z",
        }
        for deep in ({**span, "queue": "@DEEP@"}, {**span, "attributes": "@DEEP@"}):
            response = await self.post_deep(metrics, "/v1/agent-activity", [deep])
            assert response.status_code in (200, 422), response.text
            if response.status_code == 200:
                assert response.json()["rejected"] == 1

    async def test_deep_attributes_in_an_import_are_not_a_500(
        self, metrics: httpx.AsyncClient, tenants: Tenants
    ) -> None:
        line = (
            '{"ContactId": "c-1", "Channel": "VOICE", "InitiationMethod": "INBOUND",'
            ' "InitiationTimestamp": "2026-10-01T12:00:00Z", "Attributes": '
            + '{"a": ' * 1000
            + "1"
            + "}" * 1000
            + "}"
        )
        response = await metrics.post(
            "/v1/imports/amazon-connect", params={"source": "ops-connect"}, content=line.encode()
        )
        assert response.status_code in (200, 422), response.text

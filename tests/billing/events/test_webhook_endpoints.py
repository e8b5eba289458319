"""Webhook endpoints registered through the API, and delivery to them.

The receivers are partner systems, not our services: an in-process ``httpx.MockTransport``
plays them (one handler for every partner host, recording what each received), and one test
lets the app's own loop deliver to a real HTTP server on a local port. Events must be committed
to be delivered, so these tests use a billing app without the rolled-back transaction and leave
the ``make_world`` block (whose open transactions hold the outbox horizon) before delivering.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import delete

from billing.events.webhooks.delivery import DeliveryOptions, dispatch_endpoints
from billing.events.webhooks.models import WebhookEndpoint
from billing.events.webhooks.secrets import SecretBox, signature
from billing.main import create_app
from billing.settings import BillingSettings
from tests.billing.conftest import BillingFactory, BillingWorld, Network, WorldFactory
from tests.billing.events.test_events import receiver
from tests.conftest import TokenFactory, api_client, running_app

FAST = DeliveryOptions(backoff_base=0.4, backoff_max=10)


@dataclass
class Partners:
    """Partners' receiving systems: what each URL received, and which hosts are down."""

    received: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    down: set[str] = field(default_factory=set)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(str(request.url))
        if request.url.host in self.down:
            return httpx.Response(503, json={"error": "maintenance"})
        self.received.append(
            {
                "url": str(request.url),
                "raw": request.content,
                "body": httpx.Response(200, content=request.content).json(),
                "headers": request.headers,
            }
        )
        return httpx.Response(200, json={"ok": True})

    def at(self, url: str) -> list[dict[str, Any]]:
        return [r for r in self.received if r["url"] == url]

    def subjects(self, url: str) -> list[tuple[str, str]]:
        return [(r["body"]["type"], r["body"]["subject_id"]) for r in self.at(url)]


@pytest.fixture
async def app(make_billing: BillingFactory) -> AsyncIterator[FastAPI]:
    """A billing app whose writes commit; its webhook endpoints are deleted afterwards (the
    dispatcher delivers to every endpoint in the database)."""
    async with make_billing() as app:
        sessions = app.state.database.sessionmaker
        async with sessions() as session, session.begin():
            await session.execute(delete(WebhookEndpoint))
        try:
            yield app
        finally:
            async with sessions() as session, session.begin():
                await session.execute(delete(WebhookEndpoint))


@pytest.fixture
def partners() -> Partners:
    return Partners()


async def deliver(app: FastAPI, partners: Partners, options: DeliveryOptions = FAST) -> int:
    transport = httpx.MockTransport(partners.handle)
    async with httpx.AsyncClient(transport=transport) as http:
        return await dispatch_endpoints(
            app.state.database.sessionmaker, http, app.state.webhook_secrets, options
        )


async def issued(finance: httpx.AsyncClient, world: BillingWorld) -> dict[str, Any]:
    """An issued invoice of a new client (one ``invoice.issued`` event)."""
    contract_id = await world.billed()
    plan = await finance.post(
        "/v1/price-plans",
        json={
            "contract_id": contract_id,
            "name": "P",
            "version": {
                "effective_from": "2026-01-01",
                "charges": [{"key": "fee", "name": "Fee", "model": "fixed", "amount": "10.00"}],
            },
        },
    )
    assert plan.status_code == 201, plan.text
    draft = await finance.post(
        "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
    )
    invoice = await finance.post(f"/v1/invoices/{draft.json()['id']}/issue", json={})
    assert invoice.status_code == 200, invoice.text
    return invoice.json()


async def paid(finance: httpx.AsyncClient, invoice: dict[str, Any]) -> None:
    """Pays the invoice in full (one ``invoice.paid`` event)."""
    response = await finance.post(
        "/v1/payments",
        json={"invoice_id": invoice["id"], "amount": invoice["total"], "received_on": "2026-02-05"},
    )
    assert response.status_code == 201, response.text


async def register(client: httpx.AsyncClient, url: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/webhook-endpoints", json={"url": url, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def field_errors(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {e["field"] for e in response.json()["errors"]}


class TestRegistering:
    async def test_the_secret_is_shown_once_and_stored_encrypted(
        self, app: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(app, token("operator")) as operator:
            response = await operator.post(
                "/v1/webhook-endpoints",
                json={"url": "https://erp.acme.example/hook", "description": "ERP"},
            )
            assert response.status_code == 201, response.text
            created = response.json()
            assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
            assert response.headers["location"] == f"/v1/webhook-endpoints/{created['id']}"
            assert created["client_id"] is None and created["event_types"] is None
            assert created["enabled"] and created["delivery"]["consecutive_failures"] == 0
            again = await operator.get(f"/v1/webhook-endpoints/{created['id']}")
            assert again.status_code == 200 and "secret" not in again.json()
            listed = (await operator.get("/v1/webhook-endpoints")).json()["items"]
            assert all("secret" not in e for e in listed)
        async with app.state.database.sessionmaker() as session:
            stored = await session.get(WebhookEndpoint, uuid.UUID(created["id"]))
            assert stored is not None and created["secret"] not in stored.secret_encrypted

    async def test_create_is_idempotent(self, app: FastAPI, token: TokenFactory) -> None:
        async with api_client(app, token("operator")) as operator:
            key = {"Idempotency-Key": str(uuid.uuid4())}
            body = {"url": "https://erp.acme.example/hook", "event_types": ["invoice.paid"]}
            first = await operator.post("/v1/webhook-endpoints", json=body, headers=key)
            second = await operator.post("/v1/webhook-endpoints", json=body, headers=key)
            assert first.status_code == second.status_code == 201
            assert second.json() == first.json()  # the same endpoint, the same secret
            listed = (await operator.get("/v1/webhook-endpoints")).json()["items"]
            assert [e["id"] for e in listed] == [first.json()["id"]]
            other = await operator.post(
                "/v1/webhook-endpoints", json={**body, "event_types": None}, headers=key
            )
            assert field_errors(other) == {"Idempotency-Key"}

    async def test_bad_input_names_the_field(
        self, app: FastAPI, token: TokenFactory, world: BillingWorld
    ) -> None:
        async with api_client(app, token("operator")) as operator:

            async def create(**body: Any) -> httpx.Response:
                return await operator.post("/v1/webhook-endpoints", json=body)

            assert field_errors(await create(url="http://erp.acme.example/hook")) == {"url"}
            assert field_errors(await create(url="ftp://erp.acme.example/")) == {"url"}
            assert field_errors(await create(url="not a url")) == {"url"}
            assert field_errors(await create(url="https://u:p@erp.acme.example/")) == {"url"}
            assert field_errors(await create(url="https://" + "a" * 500 + ".example")) == {"url"}
            wrong_type = await create(
                url="https://erp.acme.example/hook", event_types=["invoice.paid", "invoice.eaten"]
            )
            assert field_errors(wrong_type) == {"event_types[1]"}
            none = await create(url="https://erp.acme.example/hook", event_types=[])
            assert field_errors(none) == {"event_types"}
            assert field_errors(await create(url="https://x.example", colour="red")) == {"colour"}
            unknown = await create(url="https://x.example/h", client_id=str(uuid.uuid4()))
            assert field_errors(unknown) == {"client_id"}
            operator_id = await world.operator()
            not_client = await create(url="https://x.example/h", client_id=str(operator_id))
            assert field_errors(not_client) == {"client_id"}
            # Plain http is for a receiver on this machine.
            for local in ("http://localhost:9000/hook", "http://127.0.0.1:9000/hook"):
                assert (await create(url=local)).status_code == 201

    async def test_an_operator_registers_an_endpoint_for_an_existing_client(
        self, app: FastAPI, token: TokenFactory, world: BillingWorld
    ) -> None:
        client_id = await world.client("Scoped")
        async with api_client(app, token("operator")) as operator:
            made = await register(operator, "https://scoped.example/h", client_id=str(client_id))
        assert made["client_id"] == str(client_id)

    async def test_a_client_registers_only_for_itself(
        self, app: FastAPI, token: TokenFactory
    ) -> None:
        mine, theirs = uuid.uuid4(), uuid.uuid4()
        async with api_client(app, token("partner", client_id=mine)) as partner:
            made = await register(partner, "https://p.example/h")
            assert made["client_id"] == str(mine)
            same = await register(partner, "https://p.example/h2", client_id=str(mine))
            assert same["client_id"] == str(mine)
            other = await partner.post(
                "/v1/webhook-endpoints",
                json={"url": "https://p.example/h", "client_id": str(theirs)},
            )
            assert field_errors(other) == {"client_id"}
        async with api_client(app, token("service")) as service:
            refused = await service.post("/v1/webhook-endpoints", json={"url": "https://s.example"})
            assert refused.status_code == 403


class TestTenancy:
    async def test_another_tenants_endpoint_answers_404(
        self, app: FastAPI, token: TokenFactory
    ) -> None:
        a, b = uuid.uuid4(), uuid.uuid4()
        async with (
            api_client(app, token("client", client_id=a)) as client_a,
            api_client(app, token("client", client_id=b)) as client_b,
            api_client(app, token("operator")) as operator,
        ):
            mine = await register(client_a, "https://a.example/h")
            wide = await register(operator, "https://ops.example/h")
            for endpoint in (mine, wide):
                path = f"/v1/webhook-endpoints/{endpoint['id']}"
                assert (await client_b.get(path)).status_code == 404
                assert (await client_b.get(path + "/attempts")).status_code == 404
                patched = await client_b.patch(
                    path, json={"enabled": False}, headers={"If-Match": "*"}
                )
                assert patched.status_code == 404
                assert (await client_b.post(path + "/rotate-secret")).status_code == 404
                assert (await client_b.delete(path)).status_code == 404
            assert (await client_a.get(f"/v1/webhook-endpoints/{wide['id']}")).status_code == 404
            assert (await client_a.get(f"/v1/webhook-endpoints/{mine['id']}")).status_code == 200
            assert (await client_b.get("/v1/webhook-endpoints")).json()["items"] == []
            listed = (await client_a.get("/v1/webhook-endpoints")).json()["items"]
            assert [e["id"] for e in listed] == [mine["id"]]
            everything = (await operator.get("/v1/webhook-endpoints")).json()["items"]
            assert {e["id"] for e in everything} == {mine["id"], wide["id"]}
            only_a = await operator.get("/v1/webhook-endpoints", params={"client_id": str(a)})
            assert [e["id"] for e in only_a.json()["items"]] == [mine["id"]]

    async def test_the_list_is_paginated(self, app: FastAPI, token: TokenFactory) -> None:
        async with api_client(app, token("operator")) as operator:
            made = [(await register(operator, f"https://h{i}.example/h"))["id"] for i in range(5)]
            seen, cursor = [], None
            while True:
                params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
                page = (await operator.get("/v1/webhook-endpoints", params=params)).json()
                seen += [e["id"] for e in page["items"]]
                if (cursor := page["next_cursor"]) is None:
                    break
            assert seen == made


class TestUpdating:
    async def test_patch_needs_the_current_etag(self, app: FastAPI, token: TokenFactory) -> None:
        async with api_client(app, token("operator")) as operator:
            made = await register(operator, "https://erp.example/h")
            path = f"/v1/webhook-endpoints/{made['id']}"
            etag = (await operator.get(path)).headers["etag"]
            assert (await operator.patch(path, json={"enabled": False})).status_code == 428
            changed = await operator.patch(
                path,
                json={"event_types": ["invoice.issued"], "url": "https://erp2.example/h"},
                headers={"If-Match": etag},
            )
            assert changed.status_code == 200, changed.text
            assert changed.json()["event_types"] == ["invoice.issued"]
            assert changed.json()["url"] == "https://erp2.example/h"
            stale = await operator.patch(path, json={"enabled": False}, headers={"If-Match": etag})
            assert stale.status_code == 412
            bad = await operator.patch(
                path, json={"url": "http://erp.example/h"}, headers={"If-Match": "*"}
            )
            assert field_errors(bad) == {"url"}
            null = await operator.patch(path, json={"enabled": None}, headers={"If-Match": "*"})
            assert field_errors(null) == {"enabled"}
            everything = await operator.patch(
                path, json={"event_types": None}, headers={"If-Match": "*"}
            )
            assert everything.json()["event_types"] is None

    async def test_delete_stops_delivery(
        self,
        app: FastAPI,
        token: TokenFactory,
        make_world: WorldFactory,
        partners: Partners,
    ) -> None:
        async with api_client(app, token("finance")) as finance:
            made = await register(finance, "https://gone.example/h")
            deleted = await finance.delete(f"/v1/webhook-endpoints/{made['id']}")
            assert deleted.status_code == 204
            assert (await finance.get(f"/v1/webhook-endpoints/{made['id']}")).status_code == 404
            async with make_world() as world:
                await issued(finance, world)
        assert await deliver(app, partners) == 0 and partners.calls == []


class TestDelivery:
    async def test_only_events_after_creation_signed_with_the_shown_secret(
        self, app: FastAPI, token: TokenFactory, make_world: WorldFactory, partners: Partners
    ) -> None:
        url = "https://erp.acme.example/hooks/contrato"
        async with api_client(app, token("finance")) as finance:
            async with make_world() as world:
                before = await issued(finance, world)
            made = await register(finance, url)
            async with make_world() as world:
                after = await issued(finance, world)
            assert await deliver(app, partners) == 1
            assert await deliver(app, partners) == 0  # delivered once
            [got] = partners.at(url)
            assert got["body"]["subject_id"] == after["id"] != before["id"]
            assert got["body"]["payload"]["number"] == after["number"]
            assert got["headers"]["contrato-signature"] == signature(made["secret"], got["raw"])
            assert got["headers"]["contrato-event-type"] == "invoice.issued"
            assert got["headers"]["contrato-event-id"] == got["body"]["id"]
            assert got["headers"]["contrato-webhook-id"] == made["id"]
            status = (await finance.get(f"/v1/webhook-endpoints/{made['id']}")).json()
            assert status["delivery"]["last_delivered_event_id"] == got["body"]["id"]
            assert status["delivery"]["last_status_code"] == 200
            attempts = (await finance.get(f"/v1/webhook-endpoints/{made['id']}/attempts")).json()
            assert [(a["event_id"], a["status_code"]) for a in attempts["items"]] == [
                (got["body"]["id"], 200)
            ]

    async def test_event_types_filter(
        self, app: FastAPI, token: TokenFactory, make_world: WorldFactory, partners: Partners
    ) -> None:
        paid_only, everything = "https://paid.example/h", "https://all.example/h"
        async with api_client(app, token("finance")) as finance:
            await register(finance, paid_only, event_types=["invoice.paid"])
            await register(finance, everything)
            async with make_world() as world:
                invoice = await issued(finance, world)
                await paid(finance, invoice)
            await deliver(app, partners)
        assert partners.subjects(paid_only) == [("invoice.paid", invoice["id"])]
        assert partners.subjects(everything) == [
            ("invoice.issued", invoice["id"]),
            ("invoice.paid", invoice["id"]),
        ]

    async def test_a_client_endpoint_receives_only_its_clients_events(
        self, app: FastAPI, token: TokenFactory, make_world: WorldFactory, partners: Partners
    ) -> None:
        async with api_client(app, token("finance")) as finance:
            async with make_world() as world:
                first = await issued(finance, world)
                second = await issued(finance, world)
            assert first["client_id"] != second["client_id"]
            async with api_client(app, token("client", client_id=first["client_id"])) as client:
                await register(client, "https://first.example/h")
            await register(finance, "https://operator.example/h")
            async with make_world() as world:
                await paid(finance, first)
                await paid(finance, second)
            await deliver(app, partners)
        assert partners.subjects("https://first.example/h") == [("invoice.paid", first["id"])]
        assert partners.subjects("https://operator.example/h") == [
            ("invoice.paid", first["id"]),
            ("invoice.paid", second["id"]),
        ]

    async def test_a_failing_endpoint_backs_off_then_catches_up_in_order(
        self, app: FastAPI, token: TokenFactory, make_world: WorldFactory, partners: Partners
    ) -> None:
        url, other = "https://flaky.example/h", "https://steady.example/h"
        # A base long enough that a loaded machine still asks again before the wait is over.
        slow = DeliveryOptions(backoff_base=1.5, backoff_max=10)
        async with api_client(app, token("finance")) as finance:
            made = await register(finance, url)
            await register(finance, other)
            async with make_world() as world:
                invoices = [await issued(finance, world) for _ in range(3)]
            partners.down.add("flaky.example")
            assert await deliver(app, partners, slow) == 3  # the steady one is not held up
            path = f"/v1/webhook-endpoints/{made['id']}"
            status = (await finance.get(path)).json()["delivery"]
            assert status["consecutive_failures"] == 1 and status["last_status_code"] == 503
            assert status["last_error"] == "answered 503" and status["failing_since"]
            first_wait = _seconds(status["next_attempt_at"]) - _seconds(status["last_attempt_at"])
            assert first_wait == pytest.approx(1.5, abs=0.05)

            calls = len(partners.calls)
            assert await deliver(app, partners, slow) == 0
            assert len(partners.calls) == calls  # backing off: not asked again yet
            await asyncio.sleep(1.55)
            await deliver(app, partners, slow)
            assert len(partners.calls) == calls + 1  # one try, failed again
            status = (await finance.get(path)).json()["delivery"]
            second_wait = _seconds(status["next_attempt_at"]) - _seconds(status["last_attempt_at"])
            assert status["consecutive_failures"] == 2
            assert second_wait == pytest.approx(3.0, abs=0.05)  # exponential

            partners.down.clear()
            await asyncio.sleep(3.05)
            assert await deliver(app, partners, slow) == 3
            status = (await finance.get(path)).json()["delivery"]
            assert status["consecutive_failures"] == 0 and status["next_attempt_at"] is None
            attempts = (await finance.get(path + "/attempts")).json()["items"]
            assert [a["status_code"] for a in attempts] == [200, 200, 200, 503, 503]
        expected = [("invoice.issued", i["id"]) for i in invoices]
        assert partners.subjects(url) == expected
        assert partners.subjects(other) == expected

    async def test_an_endpoint_failing_too_long_is_disabled(
        self, app: FastAPI, token: TokenFactory, make_world: WorldFactory, partners: Partners
    ) -> None:
        options = DeliveryOptions(backoff_base=0.01, disable_after=timedelta(0))
        async with api_client(app, token("finance")) as finance:
            made = await register(finance, "https://down.example/h")
            async with make_world() as world:
                await issued(finance, world)
            partners.down.add("down.example")
            await deliver(app, partners, options)
            await asyncio.sleep(0.05)
            await deliver(app, partners, options)
            path = f"/v1/webhook-endpoints/{made['id']}"
            read = (await finance.get(path)).json()
            assert not read["enabled"]
            assert read["disabled_reason"].startswith("disabled automatically")
            calls = len(partners.calls)
            await asyncio.sleep(0.05)
            await deliver(app, partners, options)
            assert len(partners.calls) == calls
            # Enabling it again resumes where it stopped: nothing is lost.
            partners.down.clear()
            enabled = await finance.patch(path, json={"enabled": True}, headers={"If-Match": "*"})
            assert enabled.json()["enabled"] and enabled.json()["disabled_reason"] is None
            assert await deliver(app, partners, options) == 1

    async def test_a_paused_endpoint_gets_what_it_missed_when_enabled(
        self, app: FastAPI, token: TokenFactory, make_world: WorldFactory, partners: Partners
    ) -> None:
        url = "https://paused.example/h"
        async with api_client(app, token("finance")) as finance:
            made = await register(finance, url)
            path = f"/v1/webhook-endpoints/{made['id']}"
            paused = await finance.patch(path, json={"enabled": False}, headers={"If-Match": "*"})
            assert paused.json()["disabled_reason"] == "disabled by test-finance"
            async with make_world() as world:
                invoice = await issued(finance, world)
            assert await deliver(app, partners) == 0
            await finance.patch(path, json={"enabled": True}, headers={"If-Match": "*"})
            assert await deliver(app, partners) == 1
        assert partners.subjects(url) == [("invoice.issued", invoice["id"])]

    async def test_rotate_secret_signs_with_the_new_one(
        self, app: FastAPI, token: TokenFactory, make_world: WorldFactory, partners: Partners
    ) -> None:
        url = "https://rotating.example/h"
        async with api_client(app, token("finance")) as finance:
            made = await register(finance, url)
            path = f"/v1/webhook-endpoints/{made['id']}/rotate-secret"
            rotated = await finance.post(path)
            assert rotated.status_code == 200, rotated.text
            new = rotated.json()["secret"]
            assert new != made["secret"] and rotated.json()["revision"] == made["revision"] + 1
            async with make_world() as world:
                await issued(finance, world)
            await deliver(app, partners)
            [got] = partners.at(url)
            assert got["headers"]["contrato-signature"] == signature(new, got["raw"])
            # With a grace period the previous secret signs too, as a second value.
            graceful = await finance.post(path, json={"expire_previous_after_seconds": 600})
            newest = graceful.json()["secret"]
            async with make_world() as world:
                await issued(finance, world)
            await deliver(app, partners)
            last = partners.at(url)[-1]
            assert last["headers"]["contrato-signature"] == ",".join(
                [signature(newest, last["raw"]), signature(new, last["raw"])]
            )
            too_long = await finance.post(path, json={"expire_previous_after_seconds": 90_000})
            assert field_errors(too_long) == {"expire_previous_after_seconds"}

    async def test_two_dispatchers_at_once_deliver_each_event_once_in_order(
        self, app: FastAPI, token: TokenFactory, make_world: WorldFactory, partners: Partners
    ) -> None:
        url = "https://replicas.example/h"
        async with api_client(app, token("finance")) as finance:
            await register(finance, url)
            async with make_world() as world:
                invoices = [await issued(finance, world) for _ in range(3)]
        # Two replicas' passes at the same moment: the endpoint is leased to one of them.
        first, second = await asyncio.gather(deliver(app, partners), deliver(app, partners))
        assert sorted([first, second]) == [0, 3]
        assert partners.subjects(url) == [("invoice.issued", i["id"]) for i in invoices]

    async def test_a_secret_that_no_longer_decrypts_is_a_failure_not_an_unsigned_post(
        self, app: FastAPI, token: TokenFactory, make_world: WorldFactory, partners: Partners
    ) -> None:
        async with api_client(app, token("finance")) as finance:
            made = await register(finance, "https://erp.example/h")
            async with make_world() as world:
                await issued(finance, world)
            other_key = SecretBox([Fernet.generate_key()])  # the service's key was changed
            async with httpx.AsyncClient(transport=httpx.MockTransport(partners.handle)) as http:
                sessions = app.state.database.sessionmaker
                assert await dispatch_endpoints(sessions, http, other_key, FAST) == 0
            assert partners.calls == []
            status = (await finance.get(f"/v1/webhook-endpoints/{made['id']}")).json()
            assert "does not decrypt" in status["delivery"]["last_error"]
            assert status["delivery"]["consecutive_failures"] == 1

    async def test_the_app_delivers_by_itself_to_a_real_http_receiver(
        self,
        billing_settings: BillingSettings,
        network: Network,
        make_world: WorldFactory,
        token: TokenFactory,
    ) -> None:
        settings = billing_settings.model_copy(
            update={"webhook_dispatch": True, "webhook_interval_seconds": 0.05}
        )
        app = create_app(
            settings, transports={"contracts": network.contracts, "metrics": network.metrics}
        )
        async with (
            receiver() as (url, received),
            running_app(app),
            api_client(app, token("finance")) as finance,
        ):
            try:
                made = await register(finance, url)
                async with make_world() as world:
                    invoice = await issued(finance, world)
                for _ in range(200):
                    if received:
                        break
                    await asyncio.sleep(0.05)
            finally:
                async with app.state.database.sessionmaker() as session, session.begin():
                    await session.execute(delete(WebhookEndpoint))
        [got] = received
        assert got["body"]["subject_id"] == invoice["id"]
        assert got["headers"]["contrato-signature"] == signature(made["secret"], got["raw"])


def _seconds(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp).timestamp()

"""A credit note on a paid invoice (issue 13, item 10): its excess over what the invoice still
had due becomes the client's credit balance, applied to its next invoice at issue, or a refund
due; the invoice never shows a negative balance."""

import uuid
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from tests.billing.conftest import BillingFactory, BillingWorld, WorldFactory
from tests.billing.events.test_events import all_events
from tests.billing.invoices.pdf_text import pdf_text
from tests.conftest import TokenFactory, api_client

FEE = {"key": "fee", "name": "Management fee", "model": "fixed", "amount": "1000.00"}


async def contract_with_plan(client: httpx.AsyncClient, world: BillingWorld) -> str:
    contract_id = await world.billed()
    plan = await client.post(
        "/v1/price-plans",
        json={
            "contract_id": contract_id,
            "name": "P",
            "version": {
                "effective_from": "2026-01-01",
                "charges": [FEE],
                "tax_rate_percent": "10",
            },
        },
    )
    assert plan.status_code == 201, plan.text
    return contract_id


async def issued(
    client: httpx.AsyncClient, contract_id: str, period: str, day: str
) -> dict[str, Any]:
    draft = await client.post("/v1/invoices", json={"contract_id": contract_id, "period": period})
    assert draft.status_code == 201, draft.text
    done = await client.post(f"/v1/invoices/{draft.json()['id']}/issue", json={"issue_date": day})
    assert done.status_code == 200, done.text
    return done.json()


async def pay(client: httpx.AsyncClient, invoice: dict[str, Any], amount: str) -> None:
    paid = await client.post(
        "/v1/payments",
        json={"invoice_id": invoice["id"], "amount": amount, "received_on": "2026-02-10"},
    )
    assert paid.status_code == 201, paid.text


async def credit(client: httpx.AsyncClient, invoice: dict[str, Any], **extra: Any) -> dict:
    note = await client.post(
        "/v1/credit-notes",
        json={"invoice_id": invoice["id"], "reason": "Fee overcharged", "issue_date": "2026-02-15"}
        | extra,
    )
    assert note.status_code == 201, note.text
    return note.json()


HUNDRED_OFF = {"lines": [{"invoice_line_key": "charge:fee", "amount": "100.00"}]}  # 110 with tax


class TestCreditBalance:
    async def test_a_credit_note_on_a_paid_invoice_becomes_credit_balance(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        january = await issued(finance, contract_id, "2026-01", "2026-02-01")
        await pay(finance, january, "1100.00")
        note = await credit(finance, january, **HUNDRED_OFF)
        assert (note["total"], note["excess"], note["excess_to"]) == (
            "110.00",
            "110.00",
            "credit_balance",
        )

        invoice = (await finance.get(f"/v1/invoices/{january['id']}")).json()
        assert (invoice["status"], invoice["balance"]) == ("paid", "0.00")
        client_id = invoice["client_id"]
        balance = (await finance.get(f"/v1/credit-balances/{client_id}")).json()
        assert balance["balances"] == [{"currency": "EUR", "balance": "110.00"}]
        [entry] = (await finance.get(f"/v1/credit-balances/{client_id}/entries")).json()["items"]
        assert (entry["kind"], entry["amount"], entry["balance_after"]) == (
            "credit_note",
            "110.00",
            "110.00",
        )
        assert (entry["credit_note_number"], entry["invoice_id"]) == (note["number"], january["id"])

    async def test_only_the_part_beyond_the_balance_due_is_excess(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        january = await issued(finance, contract_id, "2026-01", "2026-02-01")
        await pay(finance, january, "1050.00")  # 50.00 still due
        note = await credit(finance, january, **HUNDRED_OFF)
        assert note["excess"] == "60.00"
        invoice = (await finance.get(f"/v1/invoices/{january['id']}")).json()
        assert invoice["balance"] == "0.00"
        # Unpaid invoices are credited as before: nothing beyond the balance due.
        february = await issued(finance, contract_id, "2026-02", "2026-03-01")
        unpaid = await credit(finance, february, issue_date="2026-03-02", **HUNDRED_OFF)
        assert (unpaid["excess"], unpaid["excess_to"]) == ("0.00", None)

    async def test_the_balance_is_applied_to_the_next_invoice_at_issue(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        january = await issued(finance, contract_id, "2026-01", "2026-02-01")
        await pay(finance, january, "1100.00")
        note = await credit(finance, january, **HUNDRED_OFF)

        february = await issued(finance, contract_id, "2026-02", "2026-03-01")
        assert (february["total"], february["credit_applied"], february["balance"]) == (
            "1100.00",
            "110.00",
            "990.00",
        )
        [applied] = february["credits_applied"]
        assert (applied["id"], applied["number"], applied["amount"]) == (
            note["id"],
            note["number"],
            "110.00",
        )
        client_id = february["client_id"]
        balance = (await finance.get(f"/v1/credit-balances/{client_id}")).json()
        assert balance["balances"] == [{"currency": "EUR", "balance": "0.00"}]
        entries = (await finance.get(f"/v1/credit-balances/{client_id}/entries")).json()["items"]
        assert [(e["kind"], e["amount"], e["balance_after"]) for e in entries] == [
            ("credit_note", "110.00", "110.00"),
            ("applied", "-110.00", "0.00"),
        ]
        assert entries[1]["invoice_number"] == february["number"]
        pdf = await finance.get(f"/v1/invoices/{february['id']}/pdf")
        text = pdf_text(pdf.content)
        assert f"Credit applied ({note['number']})" in text
        assert "990.00" in text

        # Paying the rest pays the invoice; nothing is applied twice.
        await pay(finance, february, "990.00")
        assert (await finance.get(f"/v1/invoices/{february['id']}")).json()["status"] == "paid"

    async def test_a_balance_covering_the_whole_invoice_pays_it_at_issue(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        january = await issued(finance, contract_id, "2026-01", "2026-02-01")
        await pay(finance, january, "1100.00")
        await credit(finance, january)  # full: 1100.00 to the credit balance
        february = await issued(finance, contract_id, "2026-02", "2026-03-01")
        assert (february["status"], february["credit_applied"], february["balance"]) == (
            "paid",
            "1100.00",
            "0.00",
        )


class TestRefunds:
    async def test_a_refund_due_is_listed_and_recorded_once(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        january = await issued(finance, contract_id, "2026-01", "2026-02-01")
        await pay(finance, january, "1100.00")
        note = await credit(finance, january, excess="refund", **HUNDRED_OFF)
        assert note["excess_to"] == "refund"
        client_id = january["client_id"]
        balance = (await finance.get(f"/v1/credit-balances/{client_id}")).json()
        assert balance["balances"] == []  # a refund is not credit for later

        due = (await finance.get("/v1/refunds", params={"status": "due"})).json()["items"]
        [refund] = [r for r in due if r["credit_note_id"] == note["id"]]
        assert (refund["amount"], refund["status"], refund["client_id"]) == (
            "110.00",
            "due",
            client_id,
        )
        body = {"reference": "WIRE-OUT 2291", "refunded_on": "2026-03-04"}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = await finance.post(f"/v1/refunds/{refund['id']}/refunded", json=body, headers=key)
        assert first.status_code == 200, first.text
        assert (first.json()["status"], first.json()["reference"]) == ("refunded", "WIRE-OUT 2291")
        again = await finance.post(f"/v1/refunds/{refund['id']}/refunded", json=body, headers=key)
        assert again.json() == first.json()
        other = await finance.post(
            f"/v1/refunds/{refund['id']}/refunded", json={**body, "reference": "WIRE-OUT 9999"}
        )
        assert other.status_code == 409, other.text
        assert (await finance.get(f"/v1/refunds/{refund['id']}")).json() == first.json()

    async def test_a_bad_choice_of_excess_is_named(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        january = await issued(finance, contract_id, "2026-01", "2026-02-01")
        response = await finance.post(
            "/v1/credit-notes",
            json={"invoice_id": january["id"], "reason": "x", "excess": "cash"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "excess"


class TestTenancy:
    async def test_another_client_reaches_nothing_of_a_clients_credit_and_refunds(
        self,
        finance: httpx.AsyncClient,
        world: BillingWorld,
        billing_app: FastAPI,
        token: TokenFactory,
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        january = await issued(finance, contract_id, "2026-01", "2026-02-01")
        await pay(finance, january, "1100.00")
        await credit(finance, january, **HUNDRED_OFF)  # to the credit balance
        note = await credit(finance, january, excess="refund", **HUNDRED_OFF)
        client_id = january["client_id"]
        refunds = (await finance.get("/v1/refunds", params={"client_id": client_id})).json()
        [refund] = [r for r in refunds["items"] if r["credit_note_id"] == note["id"]]

        stranger = token("client", client_id=await world.client("Stranger"))
        async with api_client(billing_app, stranger) as other:
            reads = [
                await other.get(f"/v1/credit-balances/{client_id}"),
                await other.get(f"/v1/credit-balances/{client_id}/entries"),
                await other.get(f"/v1/refunds/{refund['id']}"),
            ]
            assert [r.status_code for r in reads] == [404, 404, 404]
            for params in ({}, {"client_id": client_id}, {"status": "due"}):
                listed = await other.get("/v1/refunds", params=params)
                assert listed.status_code == 200 and listed.json()["items"] == [], params
            writes = [
                await other.post(
                    f"/v1/refunds/{refund['id']}/refunded",
                    json={"reference": "x", "refunded_on": "2026-03-01"},
                ),
                await other.post(
                    "/v1/credit-notes",
                    json={"invoice_id": january["id"], "reason": "x", "excess": "refund"},
                ),
            ]
            assert [w.status_code for w in writes] == [403, 403]
        assert (await finance.get(f"/v1/refunds/{refund['id']}")).json()["status"] == "due"

        owner = token("client", client_id=uuid.UUID(client_id))
        async with api_client(billing_app, owner) as mine:
            balance = (await mine.get(f"/v1/credit-balances/{client_id}")).json()
            assert balance["balances"] == [{"currency": "EUR", "balance": "110.00"}]
            entries = (await mine.get(f"/v1/credit-balances/{client_id}/entries")).json()
            assert len(entries["items"]) == 1
            mine_refunds = (await mine.get("/v1/refunds")).json()["items"]
            assert [r["id"] for r in mine_refunds] == [refund["id"]]
            assert (await mine.get(f"/v1/refunds/{refund['id']}")).status_code == 200


class TestEvents:
    async def test_each_new_fact_is_an_outbox_event(
        self, make_billing: BillingFactory, make_world: WorldFactory, token: TokenFactory
    ) -> None:
        async with make_billing() as app, api_client(app, token("finance")) as client:
            async with make_world() as world:  # ended before events are read (see make_world)
                contract_id = await contract_with_plan(client, world)
                january = await issued(client, contract_id, "2026-01", "2026-02-01")
                await pay(client, january, "1100.00")
                kept = await credit(client, january, **HUNDRED_OFF)
                back = await credit(client, january, excess="refund", **HUNDRED_OFF)
                february = await issued(client, contract_id, "2026-02", "2026-03-01")
            refunds = (await client.get("/v1/refunds", params={"status": "due"})).json()
            [refund] = [r for r in refunds["items"] if r["credit_note_id"] == back["id"]]
            await client.post(
                f"/v1/refunds/{refund['id']}/refunded",
                json={"reference": "WIRE-OUT 1", "refunded_on": "2026-03-04"},
            )
        owner = token("client", client_id=january["client_id"])
        async with make_billing() as app, api_client(app, owner) as mine:
            events = await all_events(mine)
        facts = [
            (e["type"], e["subject_id"])
            for e in events
            if e["type"].startswith(("credit_balance.", "refund."))
        ]
        assert facts == [
            ("credit_balance.credited", kept["id"]),
            ("refund.due", refund["id"]),
            ("credit_balance.applied", february["id"]),
            ("refund.refunded", refund["id"]),
        ]
        applied = next(e for e in events if e["type"] == "credit_balance.applied")
        assert applied["payload"]["credit_notes"] == [
            {"id": kept["id"], "number": kept["number"], "amount": "110.00"}
        ]
        assert Decimal(applied["payload"]["amount"]) == Decimal("110.00")

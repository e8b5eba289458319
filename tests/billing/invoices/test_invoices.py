import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.billing.conftest import BillingFactory, BillingWorld
from tests.conftest import TokenFactory, api_client, rolled_back

FEE = {"key": "fee", "name": "Management fee", "model": "fixed", "amount": "3100.00"}
MINUTES = {
    "key": "minutes",
    "name": "Minutes",
    "model": "per_unit",
    "metric": "handled_minutes",
    "increment_seconds": 60,
    "unit_price": "0.50",
}


async def contract_with_plan(
    client: httpx.AsyncClient,
    world: BillingWorld,
    *,
    charges: list | None = None,
    period: str = "2026-01",
    **terms: object,
) -> str:
    contract_id = await world.billed(**terms)  # type: ignore[arg-type]
    plan = await client.post(
        "/v1/price-plans",
        json={
            "contract_id": contract_id,
            "name": "P",
            "version": {
                "effective_from": "2025-01-01",
                "charges": charges or [FEE],
                "tax_rate_percent": "10",
                "minimum_commitment": None,
            },
        },
    )
    assert plan.status_code == 201, plan.text
    return contract_id


async def draft(client: httpx.AsyncClient, contract_id: str, period: str = "2026-01") -> dict:
    response = await client.post(
        "/v1/invoices", json={"contract_id": contract_id, "period": period}
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


class TestDrafts:
    async def test_create_then_recompute_unchanged(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        first = await finance.post(
            "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
        )
        assert first.status_code == 201
        again = await finance.post(
            "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
        )
        assert again.status_code == 200
        assert again.headers["X-Draft-Outcome"] == "unchanged"
        assert again.json() == first.json()

    async def test_changed_usage_replaces_the_lines_of_the_same_draft(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world, charges=[FEE, MINUTES])
        await world.handled(contract_id, "2026-01", [60] * 99 + [1])  # 100 minutes at 60 s
        first = await draft(finance, contract_id)
        await world.handled(contract_id, "2026-01", [120] * 100)  # 200 more
        second = await draft(finance, contract_id)
        assert second["id"] == first["id"] and second["revision"] == first["revision"] + 1
        line = next(ln for ln in second["lines"] if ln["key"] == "charge:minutes")
        assert line["amount"] == "150.00"
        assert line["source"]["usage_query"] == {"increment_seconds": 60}

    async def test_partial_first_and_last_period_with_termination_fee(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(
            finance,
            world,
            start="2026-01-10",
            terminated_on="2026-01-25",
            termination_fee="7500.00",
        )
        invoice = await draft(finance, contract_id)
        assert (invoice["service_from"], invoice["service_to"]) == ("2026-01-10", "2026-01-25")
        fee, etf = invoice["lines"]
        assert fee["amount"] == "1600.00"  # 3100 x 16 / 31
        assert fee["source"]["days_in_service"] == 16
        assert (etf["kind"], etf["amount"]) == ("termination_fee", "7500.00")
        assert invoice["subtotal"] == "9100.00" and invoice["tax"] == "910.00"

    async def test_not_in_service_is_not_billable(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world, start="2026-03-01")
        response = await finance.post(
            "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
        )
        assert response.status_code == 422
        assert response.json()["type"].endswith("not-billable")

    async def test_unreachable_metrics_fails_and_prices_nothing(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world, charges=[FEE, MINUTES])
        with world.metrics_down(contract_id):
            response = await finance.post(
                "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
            )
        assert response.status_code == 503  # unreachable (an upstream's error answer is 502)
        assert response.json()["upstream"] == "metrics"
        listed = await finance.get("/v1/invoices", params={"contract_id": contract_id})
        assert listed.json()["items"] == []

    async def test_list_filters(self, finance: httpx.AsyncClient, world: BillingWorld) -> None:
        a = await contract_with_plan(finance, world)
        b = await contract_with_plan(finance, world)
        await draft(finance, a)
        await draft(finance, a, "2026-02")
        await draft(finance, b)
        by_contract = (await finance.get("/v1/invoices", params={"contract_id": a})).json()
        assert len(by_contract["items"]) == 2
        by_period = (
            await finance.get("/v1/invoices", params={"contract_id": a, "period": "2026-02"})
        ).json()
        assert [i["period"] for i in by_period["items"]] == ["2026-02"]
        assert by_period["items"][0]["total"] == "3410.00"  # minor units, as on the invoice
        drafts = (
            await finance.get("/v1/invoices", params={"contract_id": b, "status": "draft"})
        ).json()
        assert len(drafts["items"]) == 1


class TestIssue:
    async def test_numbers_are_per_operator_and_year_and_gapless(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        ids = [await contract_with_plan(finance, world) for _ in range(3)]
        numbers = []
        for contract_id, day in zip(ids, ("2025-02-01", "2025-02-02", "2026-01-05"), strict=True):
            invoice = await draft(finance, contract_id)
            issued = await finance.post(
                f"/v1/invoices/{invoice['id']}/issue", json={"issue_date": day}
            )
            numbers.append(issued.json()["number"])
        assert numbers == ["INV-2025-000001", "INV-2025-000002", "INV-2026-000001"]

    async def test_numbers_follow_issue_dates_and_none_is_in_the_future(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        drafts = [await draft(finance, await contract_with_plan(finance, world)) for _ in range(4)]

        async def issue(invoice: dict, day: str) -> httpx.Response:
            return await finance.post(
                f"/v1/invoices/{invoice['id']}/issue", json={"issue_date": day}
            )

        assert (await issue(drafts[0], "2026-03-10")).json()["number"] == "INV-2026-000001"
        earlier = await issue(drafts[1], "2026-03-09")
        assert earlier.status_code == 422
        assert earlier.json()["errors"][0]["field"] == "issue_date"
        assert "2026-03-10" in earlier.json()["detail"]
        future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
        assert (await issue(drafts[1], future)).status_code == 422
        # the refused attempts took no number: the series stays gapless
        assert (await issue(drafts[1], "2026-03-10")).json()["number"] == "INV-2026-000002"
        assert (await issue(drafts[2], "2025-12-31")).json()["number"] == "INV-2025-000001"
        note = await finance.post(
            "/v1/credit-notes",
            json={"invoice_id": drafts[0]["id"], "reason": "x", "issue_date": "2026-03-01"},
        )
        assert note.status_code == 422 and "before the invoice" in note.json()["detail"]

    async def test_issued_invoice_cannot_be_reissued_or_recomputed(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        invoice = await draft(finance, contract_id)
        await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={})
        assert (await finance.post(f"/v1/invoices/{invoice['id']}/issue")).status_code == 409
        again = await finance.post(
            "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
        )
        assert again.status_code == 409

    async def test_database_refuses_line_changes_on_an_issued_invoice(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        async with make_billing() as app, api_client(app, token("finance")) as client:
            invoice = await draft(client, await contract_with_plan(client, world))
            await client.post(f"/v1/invoices/{invoice['id']}/issue", json={})
            async with app.state.database.engine.connect() as conn:
                with pytest.raises(Exception, match="immutable"):
                    await conn.execute(
                        text("update invoice_line set amount = 0 where invoice_id = :id"),
                        {"id": uuid.UUID(invoice["id"])},
                    )

    async def test_concurrent_issues_get_distinct_consecutive_numbers(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        async with make_billing() as app, api_client(app, token("finance")) as client:
            ids = [await contract_with_plan(client, world) for _ in range(6)]
            drafts = [await draft(client, c) for c in ids]
            results = await asyncio.gather(
                *(
                    client.post(f"/v1/invoices/{d['id']}/issue", json={"issue_date": "2026-02-01"})
                    for d in drafts
                )
            )
        numbers = sorted(r.json()["number"] for r in results)
        assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 7)]


class TestPaymentsAndVoid:
    async def test_partial_then_full_payment(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        invoice = await draft(finance, contract_id)
        await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={})
        total = Decimal(invoice["total"])  # 3410.00
        first = await finance.post(
            "/v1/payments",
            json={"invoice_id": invoice["id"], "amount": "1000.00", "received_on": "2026-02-10"},
        )
        assert first.status_code == 201, first.text
        mid = (await finance.get(f"/v1/invoices/{invoice['id']}")).json()
        assert (mid["status"], Decimal(mid["balance"])) == ("issued", total - 1000)
        too_much = await finance.post(
            "/v1/payments",
            json={"invoice_id": invoice["id"], "amount": str(total), "received_on": "2026-02-11"},
        )
        assert too_much.status_code == 422
        assert too_much.json()["errors"][0]["field"] == "amount"
        rest = await finance.post(
            "/v1/payments",
            json={
                "invoice_id": invoice["id"],
                "amount": str(total - 1000),
                "received_on": "2026-02-12",
            },
        )
        assert rest.status_code == 201
        paid = (await finance.get(f"/v1/invoices/{invoice['id']}")).json()
        assert (paid["status"], paid["balance"]) == ("paid", "0.00")
        payments = (await finance.get("/v1/payments", params={"invoice_id": invoice["id"]})).json()
        assert len(payments["items"]) == 2

    async def test_payment_on_a_draft_is_refused(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        invoice = await draft(finance, await contract_with_plan(finance, world))
        response = await finance.post(
            "/v1/payments",
            json={"invoice_id": invoice["id"], "amount": "1.00", "received_on": "2026-02-10"},
        )
        assert response.status_code == 409

    async def test_void_frees_the_period_for_a_new_draft(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        first = await draft(finance, contract_id)
        voided = await finance.post(f"/v1/invoices/{first['id']}/void", json={"reason": "test"})
        assert voided.json()["status"] == "void"
        second = await draft(finance, contract_id)
        assert second["id"] != first["id"]


class TestCreditNotes:
    async def test_full_credit_note_reverses_everything(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        invoice = await draft(finance, await contract_with_plan(finance, world))
        await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={"issue_date": "2026-02-01"})
        note = await finance.post(
            "/v1/credit-notes",
            json={
                "invoice_id": invoice["id"],
                "reason": "Wrong client",
                "issue_date": "2026-02-03",
            },
        )
        assert note.status_code == 201, note.text
        body = note.json()
        assert body["full"] and body["total"] == invoice["total"]
        assert body["number"].startswith("CN-2026-")
        after = (await finance.get(f"/v1/invoices/{invoice['id']}")).json()
        assert after["balance"] == "0.00"
        again = await finance.post(
            "/v1/credit-notes",
            json={
                "invoice_id": invoice["id"],
                "reason": "again",
                "lines": [{"description": "More", "amount": "1.00"}],
            },
        )
        assert again.status_code == 422

    async def test_partial_credit_cannot_exceed_the_line(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        invoice = await draft(finance, await contract_with_plan(finance, world))
        await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={})
        response = await finance.post(
            "/v1/credit-notes",
            json={
                "invoice_id": invoice["id"],
                "reason": "x",
                "lines": [{"invoice_line_key": "charge:fee", "amount": "3100.01"}],
            },
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "lines[0].amount"

    async def test_credit_note_on_a_draft_is_refused(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        invoice = await draft(finance, await contract_with_plan(finance, world))
        response = await finance.post(
            "/v1/credit-notes", json={"invoice_id": invoice["id"], "reason": "x"}
        )
        assert response.status_code == 409


class TestTenancy:
    async def test_client_reads_only_its_invoices(
        self, billing_app: FastAPI, token: TokenFactory, world: BillingWorld
    ) -> None:
        async with rolled_back(billing_app):
            async with api_client(billing_app, token("finance")) as finance:
                mine = await contract_with_plan(finance, world)
                other = await contract_with_plan(finance, world)
                a = await draft(finance, mine)
                b = await draft(finance, other)
            client_id = await world.client_of(mine)
            async with api_client(billing_app, token("client", client_id=client_id)) as client:
                listed = (await client.get("/v1/invoices")).json()["items"]
                assert [i["id"] for i in listed] == [a["id"]]
                assert (await client.get(f"/v1/invoices/{b['id']}")).status_code == 404
                assert (await client.get(f"/v1/invoices/{b['id']}/pdf")).status_code == 404
                refused = await client.post(
                    "/v1/invoices", json={"contract_id": mine, "period": "2026-01"}
                )
                assert refused.status_code == 403


class TestSettlementTenancy:
    async def test_client_lists_only_its_payments_and_credit_notes(
        self, billing_app: FastAPI, token: TokenFactory, world: BillingWorld
    ) -> None:
        async with rolled_back(billing_app):
            async with api_client(billing_app, token("finance")) as finance:
                ids = []
                for _ in range(2):
                    invoice = await draft(finance, await contract_with_plan(finance, world))
                    await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={})
                    await finance.post(
                        "/v1/payments",
                        json={
                            "invoice_id": invoice["id"],
                            "amount": "1.00",
                            "received_on": "2026-02-01",
                        },
                    )
                    await finance.post(
                        "/v1/credit-notes",
                        json={
                            "invoice_id": invoice["id"],
                            "reason": "x",
                            "lines": [{"invoice_line_key": "charge:fee", "amount": "1.00"}],
                        },
                    )
                    ids.append(invoice)
            mine = ids[0]
            async with api_client(
                billing_app, token("client", client_id=mine["client_id"])
            ) as client:
                payments = (await client.get("/v1/payments")).json()["items"]
                notes = (await client.get("/v1/credit-notes")).json()["items"]
                other = await client.get("/v1/payments", params={"client_id": ids[1]["client_id"]})
        assert {p["invoice_id"] for p in payments} == {mine["id"]}
        assert {n["invoice_id"] for n in notes} == {mine["id"]}
        assert other.json()["items"] == []


class TestIdempotency:
    async def test_retried_payment_is_recorded_once(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        invoice = await draft(finance, await contract_with_plan(finance, world))
        await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={})
        body = {"invoice_id": invoice["id"], "amount": "10.00", "received_on": "2026-02-10"}
        first = await finance.post("/v1/payments", json=body, headers={"Idempotency-Key": "p1"})
        again = await finance.post("/v1/payments", json=body, headers={"Idempotency-Key": "p1"})
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        other = await finance.post(
            "/v1/payments", json={**body, "amount": "11.00"}, headers={"Idempotency-Key": "p1"}
        )
        assert other.status_code == 422
        after = (await finance.get(f"/v1/invoices/{invoice['id']}")).json()
        assert after["amount_paid"] == "10.00"

    async def test_retried_draft_creation_answers_the_first_result(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await contract_with_plan(finance, world)
        body = {"contract_id": contract_id, "period": "2026-01"}
        first = await finance.post("/v1/invoices", json=body, headers={"Idempotency-Key": "d1"})
        again = await finance.post("/v1/invoices", json=body, headers={"Idempotency-Key": "d1"})
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]


class TestConcurrency:
    async def test_simultaneous_drafts_of_one_period_make_one_invoice(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        async with make_billing() as app, api_client(app, token("finance")) as client:
            contract_id = await contract_with_plan(client, world)
            body = {"contract_id": contract_id, "period": "2026-01"}
            results = await asyncio.gather(
                *(client.post("/v1/invoices", json=body) for _ in range(6))
            )
            assert sorted(r.status_code for r in results)[0] in (200, 201)
            assert {r.json()["id"] for r in results} == {results[0].json()["id"]}
            listed = await client.get("/v1/invoices", params={"contract_id": contract_id})
            assert len(listed.json()["items"]) == 1

    async def test_same_idempotency_key_while_the_first_is_running_is_409(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        async with (
            make_billing() as app,
            api_client(app, token("finance", subject="clerk-1")) as client,
        ):
            lock_id = "clerk-1:create_payment\nk-busy"
            async with app.state.database.engine.connect() as conn, conn.begin():
                await conn.execute(
                    text("select pg_advisory_xact_lock(hashtextextended(:id, 0))"),
                    {"id": lock_id},
                )
                response = await client.post(
                    "/v1/payments",
                    json={
                        "invoice_id": str(uuid.uuid4()),
                        "amount": "1.00",
                        "received_on": "2026-02-01",
                    },
                    headers={"Idempotency-Key": "k-busy"},
                )
            assert response.status_code == 409


class TestPlanStartingMidPeriod:
    async def test_billing_starts_with_the_plan(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed(start="2025-06-01")
        await finance.post(
            "/v1/price-plans",
            json={
                "contract_id": contract_id,
                "name": "P",
                "version": {"effective_from": "2026-01-22", "charges": [FEE]},
            },
        )
        invoice = await draft(finance, contract_id)
        assert invoice["service_from"] == "2026-01-22"
        assert invoice["lines"][0]["amount"] == "1000.00"  # 3100 x 10 / 31
        refused = await finance.post(
            "/v1/invoices", json={"contract_id": contract_id, "period": "2025-12"}
        )
        assert refused.status_code == 422

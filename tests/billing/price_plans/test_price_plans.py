import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.billing.conftest import BillingWorld
from tests.billing.invoices.pdf_text import pdf_text
from tests.conftest import TokenFactory, api_client, rolled_back

FEE = {"key": "fee", "name": "Management fee", "model": "fixed", "amount": "1000.00"}


def plan_body(contract_id: str, **version: object) -> dict:
    return {
        "contract_id": contract_id,
        "name": "Plan",
        "version": {"effective_from": "2026-01-01", "charges": [FEE], **version},
    }


async def create(client: httpx.AsyncClient, body: dict, **headers: str) -> httpx.Response:
    return await client.post("/v1/price-plans", json=body, headers=headers)


class TestCreate:
    async def test_plan_takes_currency_and_client_from_the_contract(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed(currency="BRL")
        response = await create(finance, plan_body(contract_id))
        assert response.status_code == 201, response.text
        plan = response.json()
        assert (plan["currency"], plan["client_id"]) == ("BRL", await world.client_of(contract_id))
        assert [v["version"] for v in plan["versions"]] == [1]

    async def test_unknown_contract_is_named(self, finance: httpx.AsyncClient) -> None:
        response = await create(finance, plan_body(str(uuid.uuid4())))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "contract_id"

    async def test_second_plan_for_a_contract_is_a_conflict(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed()
        assert (await create(finance, plan_body(contract_id))).status_code == 201
        assert (await create(finance, plan_body(contract_id))).status_code == 409

    async def test_idempotency_key_replays_and_refuses_another_body(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed()
        first = await create(finance, plan_body(contract_id), **{"Idempotency-Key": "pp-1"})
        again = await create(finance, plan_body(contract_id), **{"Idempotency-Key": "pp-1"})
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
        other = await create(
            finance, {**plan_body(contract_id), "name": "Other"}, **{"Idempotency-Key": "pp-1"}
        )
        assert other.status_code == 422
        assert other.json()["errors"][0]["field"] == "Idempotency-Key"


class TestValidation:
    @pytest.mark.parametrize(
        ("charge", "field"),
        [
            ({**FEE, "amount": "-1"}, "version.charges[0].amount"),
            (
                {
                    "key": "m",
                    "name": "M",
                    "model": "per_unit",
                    "metric": "talk_time",
                    "unit_price": "1",
                },
                "version.charges[0].metric",
            ),
            (
                {
                    "key": "m",
                    "name": "M",
                    "model": "graduated",
                    "metric": "handled_minutes",
                    "tiers": [
                        {"up_to": "100", "unit_price": "1"},
                        {"up_to": "100", "unit_price": "1"},
                        {"up_to": None, "unit_price": "1"},
                    ],
                },
                "version.charges[0].tiers[1].up_to",
            ),
            (
                {
                    "key": "m",
                    "name": "M",
                    "model": "per_unit",
                    "metric": "handled_minutes",
                    "unit_price": "-0.5",
                },
                "version.charges[0].unit_price",
            ),
            (
                {
                    "key": "m",
                    "name": "M",
                    "model": "per_unit",
                    "metric": "handled_minutes",
                    "unit_price": "0.5",
                    "increment_seconds": 30,
                },
                "version.charges[0].increment_seconds",
            ),
            ({**FEE, "amount": 10.5}, "version.charges[0].amount"),
        ],
    )
    async def test_bad_charge_is_a_problem_naming_the_field(
        self, finance: httpx.AsyncClient, world: BillingWorld, charge: dict, field: str
    ) -> None:
        contract_id = await world.billed()
        response = await create(finance, plan_body(contract_id, charges=[charge]))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]]


class TestVersions:
    async def test_new_version_closes_the_previous_one(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed()
        plan = (await create(finance, plan_body(contract_id))).json()
        response = await finance.post(
            f"/v1/price-plans/{plan['id']}/versions",
            json={"effective_from": "2026-04-01", "charges": [{**FEE, "amount": "1100.00"}]},
        )
        assert response.status_code == 201, response.text
        assert response.json()["version"] == 2
        versions = (await finance.get(f"/v1/price-plans/{plan['id']}")).json()["versions"]
        assert [(v["version"], v["effective_to"]) for v in versions] == [
            (1, "2026-03-31"),
            (2, None),
        ]
        assert versions[0]["terms"]["charges"][0]["amount"] == "1000.00"

    async def test_a_version_cannot_start_inside_an_issued_period(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed()
        plan = (await create(finance, plan_body(contract_id))).json()
        draft = (
            await finance.post(
                "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
            )
        ).json()
        await finance.post(f"/v1/invoices/{draft['id']}/issue", json={})
        response = await finance.post(
            f"/v1/price-plans/{plan['id']}/versions",
            json={"effective_from": "2026-01-15", "charges": [FEE]},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "effective_from"


class TestIssuedInvoicesKeepTheirVersion:
    async def test_a_price_change_bills_from_the_next_period_and_leaves_issued_alone(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed()
        plan = (await create(finance, plan_body(contract_id))).json()
        january = (
            await finance.post(
                "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
            )
        ).json()
        await finance.post(f"/v1/invoices/{january['id']}/issue", json={})
        await finance.post(
            f"/v1/price-plans/{plan['id']}/versions",
            json={"effective_from": "2026-02-01", "charges": [{**FEE, "amount": "1200.00"}]},
        )
        february = (
            await finance.post(
                "/v1/invoices", json={"contract_id": contract_id, "period": "2026-02"}
            )
        ).json()
        assert (february["plan_version"], february["total"]) == (2, "1200.00")
        again = (await finance.get(f"/v1/invoices/{january['id']}")).json()
        assert (again["plan_version"], again["total"]) == (1, "1000.00")
        assert again["lines"][0]["plan_version"] == 1


class TestMidMonthPriceChange:
    async def test_each_version_bills_its_days_and_the_issued_invoice_stays(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        """January 2026 (31 days): v1 (3100.00 a month, minutes at 0.50) until the 20th,
        v2 (6200.00, minutes at 0.80) from the 21st; 100 minutes handled on the 2nd and 50 on
        the 25th, counted by metrics for each version's days."""
        minutes = {
            "key": "minutes",
            "name": "Minutes",
            "model": "per_unit",
            "metric": "handled_minutes",
            "increment_seconds": 60,
            "unit_price": "0.50",
        }
        fee = {**FEE, "amount": "3100.00"}
        contract_id = await world.billed(start="2025-01-01")
        body = plan_body(contract_id)
        body["version"] |= {"charges": [fee, minutes], "tax_rate_percent": "10"}
        plan = (await create(finance, body)).json()
        response = await finance.post(
            f"/v1/price-plans/{plan['id']}/versions",
            json={
                "effective_from": "2026-01-21",
                "charges": [{**fee, "amount": "6200.00"}, {**minutes, "unit_price": "0.80"}],
                "tax_rate_percent": "10",
            },
        )
        assert response.status_code == 201, response.text
        await world.handled(contract_id, "2026-01", [60] * 100, day=2)
        await world.handled(contract_id, "2026-01", [60] * 50, day=25)
        invoice = (
            await finance.post(
                "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
            )
        ).json()
        got = [(ln["key"], ln["plan_version"], ln["amount"]) for ln in invoice["lines"]]
        assert got == [
            ("charge:fee:v1", 1, "2000.00"),  # 3100 x 20 / 31
            ("charge:minutes:v1", 1, "50.00"),  # 100 x 0.50
            ("charge:fee:v2", 2, "2200.00"),  # 6200 x 11 / 31
            ("charge:minutes:v2", 2, "40.00"),  # 50 x 0.80
        ]
        assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == (
            "4290.00",
            "429.00",
            "4719.00",
        )
        assert invoice["plan_version"] == 2  # in effect on the last day; lines cite their own
        v2_minutes = invoice["lines"][3]["source"]
        assert (v2_minutes["usage_from"], v2_minutes["usage_to"]) == ("2026-01-21", "2026-01-31")

        pdf = await finance.get(f"/v1/invoices/{invoice['id']}/pdf")
        printed = " ".join(pdf_text(pdf.content).split())  # descriptions wrap in their column
        assert "1 (2026-01-01 to 2026-01-20), 2 (2026-01-21 to 2026-01-31)" in printed
        assert "Management fee (11/31 days) (v2, 2026-01-21 to 2026-01-31)" in printed

        issued = await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={})
        assert issued.status_code == 200, issued.text
        late = await finance.post(
            f"/v1/price-plans/{plan['id']}/versions",
            json={"effective_from": "2026-01-25", "charges": [fee]},
        )
        assert late.status_code == 422
        again = await finance.post(
            "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
        )
        assert again.status_code == 409
        kept = (await finance.get(f"/v1/invoices/{invoice['id']}")).json()
        assert kept["lines"] == invoice["lines"] and kept["total"] == "4719.00"


class TestTenancy:
    async def test_client_sees_only_its_own_plans(
        self, billing_app: FastAPI, token: TokenFactory, world: BillingWorld
    ) -> None:
        mine, theirs = await world.billed(), await world.billed()
        async with rolled_back(billing_app):
            async with api_client(billing_app, token("finance")) as finance:
                a = (await create(finance, plan_body(mine))).json()
                b = (await create(finance, plan_body(theirs))).json()
            async with api_client(
                billing_app, token("client", client_id=await world.client_of(mine))
            ) as client:
                listed = (await client.get("/v1/price-plans")).json()["items"]
                assert [p["id"] for p in listed] == [a["id"]]
                assert (await client.get(f"/v1/price-plans/{b['id']}")).status_code == 404
                refused = await create(client, plan_body(mine))
                assert refused.status_code == 403

"""Quotes price usage per channel and queue as invoices do, use the contract's service-credit
terms, and leave out one-time fees an issued invoice already billed (issue 13, item 6)."""

from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from tests.billing.conftest import BillingWorld
from tests.conftest import TokenFactory, api_client

FEE = {"key": "fee", "name": "Management fee", "model": "fixed", "amount": "1000.00"}
EMAIL = {
    "key": "email",
    "name": "E-mails handled",
    "model": "per_unit",
    "metric": "handled_contacts",
    "channel": "email",
    "unit_price": "1.00",
}
CHAT = {**EMAIL, "key": "chat", "name": "Chats handled", "channel": "chat", "unit_price": "2.00"}
VOICE = {
    "key": "voice",
    "name": "Voice minutes",
    "model": "graduated",
    "metric": "handled_minutes",
    "channel": "voice",
    "increment_seconds": 60,
    "tiers": [{"up_to": "5", "unit_price": "0.50"}, {"up_to": None, "unit_price": "0.40"}],
}
ALL_CONTACTS = {
    "key": "contacts",
    "name": "All contacts",
    "model": "per_unit",
    "metric": "handled_contacts",
    "unit_price": "0.10",
}
SETUP = {
    "key": "setup",
    "name": "Set-up",
    "model": "one_time",
    "amount": "500.00",
    "bill_on": "2026-01-01",
}


def amounts(document: dict[str, Any]) -> dict[str, Decimal]:
    return {line["key"]: Decimal(line["amount"]) for line in document["lines"]}


async def stored_plan(
    finance: httpx.AsyncClient, contract_id: str, charges: list[dict[str, Any]]
) -> str:
    plan = await finance.post(
        "/v1/price-plans",
        json={
            "contract_id": contract_id,
            "name": "P",
            "version": {
                "effective_from": "2026-01-01",
                "charges": charges,
                "tax_rate_percent": "10",
            },
        },
    )
    assert plan.status_code == 201, plan.text
    return str(plan.json()["id"])


class TestUsagePerChannel:
    async def test_each_channel_prices_its_own_volume(self, finance: httpx.AsyncClient) -> None:
        response = await finance.post(
            "/v1/quotes",
            json={
                "plan": {"charges": [EMAIL, CHAT, ALL_CONTACTS]},
                "currency": "EUR",
                "usage": [
                    {"metric": "handled_contacts", "channel": "email", "quantity": "1200"},
                    {"metric": "handled_contacts", "channel": "chat", "quantity": "300"},
                    {"metric": "handled_contacts", "channel": "voice", "quantity": "500"},
                ],
            },
        )
        assert response.status_code == 200, response.text
        assert amounts(response.json()) == {
            "charge:email": Decimal("1200.00"),
            "charge:chat": Decimal("600.00"),
            "charge:contacts": Decimal("200.00"),  # every channel: 2000 x 0.10
        }

    async def test_a_total_a_channel_charge_cannot_split_is_refused_naming_the_charge(
        self, finance: httpx.AsyncClient
    ) -> None:
        response = await finance.post(
            "/v1/quotes",
            json={
                "plan": {"charges": [EMAIL, CHAT]},
                "currency": "EUR",
                "usage": {"handled_contacts": "1500"},
            },
        )
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == ["usage.handled_contacts"] * 2
        assert "charge email" in errors[0]["message"]
        assert "charge chat" in errors[1]["message"]

    async def test_a_channel_the_plan_charges_must_be_given(
        self, finance: httpx.AsyncClient
    ) -> None:
        response = await finance.post(
            "/v1/quotes",
            json={
                "plan": {"charges": [EMAIL, CHAT]},
                "currency": "EUR",
                "usage": [{"metric": "handled_contacts", "channel": "email", "quantity": "1"}],
            },
        )
        assert response.status_code == 422, response.text
        assert (
            "charge chat needs the handled_contacts volume for channel chat"
            in (response.json()["errors"][0]["message"])
        )

    async def test_a_bad_entry_is_named_by_its_place(self, finance: httpx.AsyncClient) -> None:
        response = await finance.post(
            "/v1/quotes",
            json={
                "plan": {"charges": [EMAIL]},
                "currency": "EUR",
                "usage": [
                    {"metric": "handled_contacts", "channel": "email", "quantity": "1"},
                    {"metric": "handled_contacts", "channel": "email", "quantity": "-1"},
                ],
            },
        )
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["usage[1].quantity"]

    async def test_totals_still_price_a_plan_without_filters(
        self, finance: httpx.AsyncClient
    ) -> None:
        response = await finance.post(
            "/v1/quotes",
            json={
                "plan": {"charges": [ALL_CONTACTS]},
                "currency": "EUR",
                "usage": {"handled_contacts": "1500"},
            },
        )
        assert response.status_code == 200, response.text
        assert amounts(response.json()) == {"charge:contacts": Decimal("150.00")}

    async def test_quote_and_invoice_price_the_same_usage_identically(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed()
        plan_id = await stored_plan(finance, contract_id, [FEE, EMAIL, CHAT, VOICE, ALL_CONTACTS])
        await world.contacts(
            contract_id,
            "2026-01",
            [{"channel": "email", "handle": 30}] * 12
            + [{"channel": "chat", "handle": 30}] * 3
            + [{"channel": "voice", "handle": 120}] * 4,  # 8 minutes: both tiers
        )
        invoice = await finance.post(
            "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
        )
        assert invoice.status_code == 201, invoice.text
        quoted = await finance.post(
            "/v1/quotes",
            json={
                "price_plan_id": plan_id,
                "on": "2026-01-15",
                "period": "2026-01",
                "usage": [
                    {"metric": "handled_contacts", "channel": "email", "quantity": "12"},
                    {"metric": "handled_contacts", "channel": "chat", "quantity": "3"},
                    {"metric": "handled_contacts", "channel": "voice", "quantity": "4"},
                    {"metric": "handled_minutes", "channel": "voice", "quantity": "8"},
                ],
            },
        )
        assert quoted.status_code == 200, quoted.text
        assert amounts(quoted.json()) == amounts(invoice.json())
        assert amounts(quoted.json())["charge:voice:tier2"] == Decimal("1.20")
        for field in ("subtotal", "tax", "total"):
            assert Decimal(quoted.json()[field]) == Decimal(invoice.json()[field]), field


MISSED = {"key": "sl", "target": "0.8", "measured": "0.7", "status": "missed", "pool_share": "0.5"}


class TestContractTerms:
    async def test_a_stored_plan_uses_its_contract_credit_terms_unless_overridden(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed(credit_terms={"at_risk_percent": "10"})
        plan_id = await stored_plan(finance, contract_id, [FEE])
        body = {"price_plan_id": plan_id, "period": "2026-02", "sla_results": [MISSED]}
        contract = await finance.post("/v1/quotes", json=body)
        assert contract.status_code == 200, contract.text
        assert amounts(contract.json())["credit:sl"] == Decimal("-50.00")  # 1000 x 10% x 0.5
        used = contract.json()["service_credit_terms"]
        assert used["source"] == "contract"
        assert used["contract_id"] == contract_id
        assert Decimal(used["at_risk_percent"]) == 10

        overridden = await finance.post(
            "/v1/quotes", json={**body, "service_credit_terms": {"at_risk_percent": "20"}}
        )
        assert overridden.status_code == 200, overridden.text
        assert amounts(overridden.json())["credit:sl"] == Decimal("-100.00")
        assert overridden.json()["service_credit_terms"]["source"] == "request"

    async def test_another_contract_than_the_plans_is_refused(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        plan_id = await stored_plan(finance, await world.billed(), [FEE])
        other = await world.billed()
        response = await finance.post(
            "/v1/quotes", json={"price_plan_id": plan_id, "contract_id": other}
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "contract_id"

    async def test_an_inline_plan_with_a_contract_uses_its_terms(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed(credit_terms={"at_risk_percent": "10"})
        response = await finance.post(
            "/v1/quotes",
            json={
                "plan": {"charges": [FEE]},
                "currency": "EUR",
                "contract_id": contract_id,
                "period": "2026-02",
                "sla_results": [MISSED],
            },
        )
        assert response.status_code == 200, response.text
        assert amounts(response.json())["credit:sl"] == Decimal("-50.00")

    async def test_without_contract_or_terms_nothing_is_credited(
        self, finance: httpx.AsyncClient
    ) -> None:
        response = await finance.post(
            "/v1/quotes",
            json={"plan": {"charges": [FEE]}, "currency": "EUR", "sla_results": [MISSED]},
        )
        assert response.status_code == 200, response.text
        assert response.json()["service_credit_terms"]["source"] == "none"
        assert amounts(response.json())["credit:sl"] == 0

    async def test_another_clients_contract_is_not_found(
        self,
        finance: httpx.AsyncClient,
        world: BillingWorld,
        billing_app: FastAPI,
        token: TokenFactory,
    ) -> None:
        contract_id = await world.billed()
        stranger = token("client", client_id=await world.client("Stranger"))
        async with api_client(billing_app, stranger) as other:
            response = await other.post(
                "/v1/quotes",
                json={
                    "plan": {"charges": [FEE]},
                    "currency": "EUR",
                    "contract_id": contract_id,
                    "period": "2026-02",
                },
            )
        assert response.status_code == 404, response.text


class TestOneTimeFees:
    async def test_a_fee_billed_on_an_issued_invoice_is_not_quoted_again(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed()
        plan_id = await stored_plan(finance, contract_id, [FEE, SETUP])
        body = {"price_plan_id": plan_id, "on": "2026-02-01", "period": "2026-02"}
        before = await finance.post("/v1/quotes", json=body)
        assert amounts(before.json())["one_time:setup"] == Decimal("500.00")
        assert before.json()["notes"] == []

        invoice = await finance.post(
            "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
        )
        issued = await finance.post(
            f"/v1/invoices/{invoice.json()['id']}/issue", json={"issue_date": "2026-02-01"}
        )
        assert issued.status_code == 200, issued.text
        number = issued.json()["number"]

        after = await finance.post("/v1/quotes", json=body)
        assert after.status_code == 200, after.text
        assert "one_time:setup" not in amounts(after.json())
        [note] = after.json()["notes"]
        assert note["charge_key"] == "setup"
        assert note["invoice_number"] == number
        assert number in note["message"]

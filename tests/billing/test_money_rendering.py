"""Money is written the same way everywhere: every amount in billing's JSON answers and event
payloads has exactly its currency's minor units (BHD: 3), whatever precision it was computed
or stored with; quantities, unit prices and rates carry no trailing zeros."""

from decimal import Decimal
from typing import Any

import httpx

from shared.money import minor_units
from tests.billing.conftest import BillingFactory, BillingWorld, WorldFactory
from tests.billing.events.test_events import all_events
from tests.conftest import TokenFactory, api_client

# Keys that hold a money amount wherever they appear (answers, line sources, SLA summaries).
AMOUNTS = {
    "amount", "subtotal", "tax", "total", "amount_paid", "amount_credited", "balance",
    "credit_base", "at_risk", "credit", "bonus", "minimum_commitment", "prorated_minimum",
    "recurring_charges", "unscaled_credit", "early_termination_fee",
}  # fmt: skip
# Keys that hold a quantity, price or rate: their own decimals, never trailing zeros.
PLAIN = {"quantity", "unit_price", "tax_rate_percent", "rate", "usage_total", "up_to"}


def misrendered(value: Any, currency: str | None = None, path: str = "$") -> list[str]:
    """Every amount (with the currency of the nearest object naming one) whose decimals are
    not the currency's minor units, and every plain figure with trailing zeros."""
    found: list[str] = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            found += misrendered(item, currency, f"{path}[{i}]")
    if not isinstance(value, dict):
        return found
    currency = value.get("currency") if isinstance(value.get("currency"), str) else currency
    for key, item in value.items():
        where = f"{path}.{key}"
        if isinstance(item, str) and key in AMOUNTS and currency:
            digits = Decimal(item).as_tuple().exponent
            if digits != -minor_units(currency):
                found.append(f"{where} = {item!r} ({currency})")
        elif isinstance(item, str) and key in PLAIN and "." in item and item.endswith("0"):
            found.append(f"{where} = {item!r} (trailing zeros)")
        else:
            found += misrendered(item, currency, where)
    return found


PLAN = {
    "effective_from": "2025-01-01",
    "charges": [
        {"key": "fee", "name": "Management", "model": "fixed", "amount": "1000.125"},
        {"key": "calls", "name": "Calls", "model": "per_unit", "metric": "handled_contacts",
         "unit_price": "0.4500"},
    ],
    "minimum_commitment": "2000",
    "tax_rate_percent": "10.0",
}  # fmt: skip


async def month_in_bhd(billing: httpx.AsyncClient, world: BillingWorld) -> dict[str, Any]:
    """A January in Bahraini dinars, 3 decimals: service from the 10th (prorated fee and
    minimum, a true-up), 7 calls answered slowly (ASA missed: a credit), then issue, a part
    payment and a part credit note. Returns every JSON answer on the way."""
    contract_id = await world.billed(
        currency="BHD",
        start="2026-01-10",
        service_levels=[
            {"key": "asa", "metric": "asa", "target": "30", "channels": ["voice"],
             "pool_share": "0.5"},
        ],
        credit_terms={"at_risk_percent": "7.5", "pool_cap_percent": "100"},
    )  # fmt: skip
    await world.contacts(contract_id, "2026-01", [{"handle": 200, "wait": 100}] * 7, day=12)
    answers: dict[str, Any] = {}
    plan = await billing.post(
        "/v1/price-plans", json={"contract_id": contract_id, "name": "BHD", "version": PLAN}
    )
    assert plan.status_code == 201, plan.text
    answers["plan"] = plan.json()
    draft = await billing.post(
        "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
    )
    assert draft.status_code == 201, draft.text
    invoice_id = draft.json()["id"]
    assert {ln["kind"] for ln in draft.json()["lines"]} >= {"charge", "true_up", "credit"}
    answers["draft"] = draft.json()
    issued = await billing.post(f"/v1/invoices/{invoice_id}/issue", json={})
    assert issued.status_code == 200, issued.text
    answers["issued"] = issued.json()
    paid = await billing.post(
        "/v1/payments",
        json={"invoice_id": invoice_id, "amount": "100.5", "received_on": "2026-02-05"},
    )
    assert paid.status_code == 201, paid.text
    answers["payment"] = paid.json()
    note = await billing.post(
        "/v1/credit-notes",
        json={"invoice_id": invoice_id, "reason": "Goodwill",
              "lines": [{"invoice_line_key": "charge:fee", "amount": "10.2"}]},
    )  # fmt: skip
    assert note.status_code == 201, note.text
    answers["credit_note"] = note.json()
    answers["invoice"] = (await billing.get(f"/v1/invoices/{invoice_id}")).json()
    answers["list"] = (
        await billing.get("/v1/invoices", params={"contract_id": contract_id})
    ).json()
    answers["quote"] = (
        await billing.post(
            "/v1/quotes",
            json={"plan": PLAN, "currency": "BHD", "usage": {"handled_contacts": "7"}},
        )
    ).json()
    answers["overpaid"] = (
        await billing.post(
            "/v1/payments",
            json={"invoice_id": invoice_id, "amount": "999999", "received_on": "2026-02-06"},
        )
    ).json()
    return answers


class TestMoneyRendering:
    async def test_a_months_answers_and_events_write_amounts_in_minor_units(
        self, make_billing: BillingFactory, make_world: WorldFactory, token: TokenFactory
    ) -> None:
        async with make_billing() as app, api_client(app, token("finance")) as billing:
            async with make_world() as world:
                answers = await month_in_bhd(billing, world)
            invoice = answers["invoice"]
            assert (
                invoice["subtotal"].count(".") == 1 and len(invoice["subtotal"].split(".")[1]) == 3
            )
            assert answers["plan"]["versions"][0]["terms"]["charges"][0]["amount"] == "1000.125"
            assert answers["plan"]["versions"][0]["terms"]["minimum_commitment"] == "2000.000"
            assert answers["plan"]["versions"][0]["terms"]["charges"][1]["unit_price"] == "0.45"
            assert answers["payment"]["amount"] == "100.500"
            # The refused overpayment names the balance as the invoice writes it.
            balance = answers["invoice"]["balance"]
            assert f"({balance} BHD)" in answers["overpaid"]["errors"][0]["message"]
            events = [
                e for e in await all_events(billing)
                if e["subject_id"] in (invoice["id"], answers["credit_note"]["id"])
            ]  # fmt: skip
            assert [e["type"] for e in events] == ["invoice.issued", "credit_note.issued"]
        assert misrendered(answers) == []
        assert misrendered([{**e["payload"], "currency": "BHD"} for e in events]) == []

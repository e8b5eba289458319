from decimal import Decimal

import httpx

from tests.billing.conftest import BillingWorld

PLAN = {
    "charges": [
        {"key": "fee", "name": "Fee", "model": "fixed", "amount": "2000.00"},
        {
            "key": "min",
            "name": "Minutes",
            "model": "volume",
            "metric": "handled_minutes",
            "tiers": [
                {"up_to": "100000", "unit_price": "0.50"},
                {"up_to": None, "unit_price": "0.45", "flat_fee": "100"},
            ],
        },
    ],
    "tax_rate_percent": "10",
}


class TestQuotes:
    async def test_inline_plan_what_would_120000_minutes_cost(
        self, finance: httpx.AsyncClient
    ) -> None:
        response = await finance.post(
            "/v1/quotes",
            json={
                "plan": PLAN,
                "currency": "EUR",
                "usage": {"handled_minutes": "120000"},
                "sla_results": [
                    {
                        "key": "sl",
                        "target": "0.8",
                        "measured": "0.7",
                        "status": "missed",
                        "pool_share": "0.5",
                    }
                ],
                "service_credit_terms": {"at_risk_percent": "10"},
            },
        )
        assert response.status_code == 200, response.text
        quote = response.json()
        amounts = {ln["key"]: Decimal(ln["amount"]) for ln in quote["lines"]}
        base = Decimal("2000.00") + Decimal(120000) * Decimal("0.45") + 100  # 56100
        assert amounts == {
            "charge:fee": Decimal("2000.00"),
            "charge:min": base - 2000,
            "credit:sl": -base * Decimal("0.05"),
        }
        net = base - base * Decimal("0.05")
        assert Decimal(quote["total"]) == net + net / 10
        assert quote["stored"] is False

    async def test_stored_plan_and_nothing_is_stored(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        contract_id = await world.billed()
        plan = (
            await finance.post(
                "/v1/price-plans",
                json={
                    "contract_id": contract_id,
                    "name": "P",
                    "version": {"effective_from": "2026-01-01", **PLAN},
                },
            )
        ).json()
        response = await finance.post(
            "/v1/quotes",
            json={
                "price_plan_id": plan["id"],
                "on": "2026-02-01",
                "usage": {"handled_minutes": "1000"},
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["plan_version"] == 1
        assert response.json()["total"] == "2750.00"  # (2000 + 500) x 1.10
        invoices = await finance.get("/v1/invoices", params={"contract_id": contract_id})
        assert invoices.json()["items"] == []

    async def test_missing_volume_is_named(self, finance: httpx.AsyncClient) -> None:
        response = await finance.post("/v1/quotes", json={"plan": PLAN, "currency": "EUR"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "usage.handled_minutes"

    async def test_bad_inline_plan_is_named(self, finance: httpx.AsyncClient) -> None:
        bad = {
            "charges": [
                {
                    **PLAN["charges"][1],
                    "tiers": [
                        {"up_to": None, "unit_price": "1"},
                        {"up_to": "5", "unit_price": "1"},
                    ],
                }
            ]
        }
        response = await finance.post(
            "/v1/quotes", json={"plan": bad, "currency": "EUR", "usage": {"handled_minutes": "1"}}
        )
        assert response.status_code == 422
        assert "plan.charges[0].tiers[0].up_to" in [e["field"] for e in response.json()["errors"]]

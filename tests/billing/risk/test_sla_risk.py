"""Money at risk: the credit the period's invoice would carry if it ended as projected, priced
by the same engine as invoices and quotes."""

from decimal import Decimal

import httpx
from fastapi import FastAPI

from tests.billing.conftest import BillingWorld
from tests.billing.price_plans.test_price_plans import FEE
from tests.conftest import TokenFactory, api_client
from tests.metrics.sla.test_sla_reports_api import level

CONTACTS = {
    "key": "contacts",
    "name": "Contacts",
    "model": "per_unit",
    "metric": "handled_contacts",
    "unit_price": "1.00",
}
AS_OF = "2026-10-11T03:00:00Z"  # midnight in São Paulo: ten days observed


async def contract_with_a_missed_month(
    finance: httpx.AsyncClient, world: BillingWorld
) -> tuple[str, str]:
    """A contract, its price plan, and ten days of October at 70 % within 20 s."""
    contract_id = await world.billed(
        credit_terms={"at_risk_percent": "10"},
        service_levels=[
            level("sl", "service_level", "0.80", threshold_seconds=20, pool_share="1.0")
        ],
    )
    plan = await finance.post(
        "/v1/price-plans",
        json={
            "contract_id": contract_id,
            "name": "Plan",
            "version": {"effective_from": "2026-01-01", "charges": [FEE, CONTACTS]},
        },
    )
    assert plan.status_code == 201, plan.text
    for day in range(1, 11):  # ten a day, seven within 20 s: 70 %
        calls = [{"wait": 5, "handle": 60}] * 7 + [{"wait": 60, "handle": 60}] * 3
        await world.contacts(contract_id, "2026-10", calls, day=day)
    return contract_id, plan.json()["id"]


async def test_the_projected_miss_is_priced_as_the_invoice_would_be(
    finance: httpx.AsyncClient, world: BillingWorld
) -> None:
    contract_id, plan_id = await contract_with_a_missed_month(finance, world)
    response = await finance.get(
        "/v1/sla-risk", params={"contract_id": contract_id, "period": "2026-10", "as_of": AS_OF}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    (sl,) = body["projection"]["levels"]
    assert sl["month_to_date"]["numerator"] == 70 and sl["month_to_date"]["denominator"] == 100
    assert sl["status"] in ("at_risk", "lost")
    money = body["money_at_risk"]
    assert money["usage_days"] == ["2026-10-01", "2026-10-10"]
    factor = Decimal(money["usage_factor"])
    expected_contacts = Decimal(str(body["projection"]["contacts_expected"]))
    assert factor == ((100 + expected_contacts) / 100).quantize(Decimal("0.000001"))
    # The same usage and result quoted: the same credit, to the cent.
    quoted = await finance.post(
        "/v1/quotes",
        json={
            "contract_id": contract_id,
            "price_plan_id": plan_id,
            "period": "2026-10",
            "usage": {"handled_contacts": str((100 * factor).quantize(Decimal("0.0001")))},
            "sla_results": [
                {
                    "key": "sl",
                    "target": "0.80",
                    "measured": sl["projected_value"],
                    "status": "missed",
                    "pool_share": "1.0",
                }
            ],
        },
    )
    assert quoted.status_code == 200, quoted.text
    credit = -sum(Decimal(x["amount"]) for x in quoted.json()["lines"] if x["kind"] == "credit")
    assert Decimal(money["credit"]) == credit > 0
    fees = Decimal("1000") + (100 * factor).quantize(Decimal("0.0001"))
    assert Decimal(money["credit"]) == (fees * Decimal("0.10")).quantize(Decimal("0.01"))


async def test_another_clients_contract_is_not_found_and_the_client_sees_its_own(
    finance: httpx.AsyncClient, world: BillingWorld, billing_app: FastAPI, token: TokenFactory
) -> None:
    contract_id, _ = await contract_with_a_missed_month(finance, world)
    owner = await world.client_of(contract_id)
    other = await world.client("Globex")
    params = {"contract_id": contract_id, "period": "2026-10", "as_of": AS_OF}
    async with api_client(billing_app, token("client", client_id=str(other))) as theirs:
        assert (await theirs.get("/v1/sla-risk", params=params)).status_code == 404
    async with api_client(billing_app, token("client", client_id=owner)) as mine:
        response = await mine.get("/v1/sla-risk", params=params)
        assert response.status_code == 200, response.text
        assert Decimal(response.json()["money_at_risk"]["credit"]) > 0


async def test_without_a_price_plan_the_projection_comes_with_a_note(
    finance: httpx.AsyncClient, world: BillingWorld
) -> None:
    contract_id = await world.billed()
    response = await finance.get(
        "/v1/sla-risk", params={"contract_id": contract_id, "period": "2026-10", "as_of": AS_OF}
    )
    assert response.status_code == 200, response.text
    assert response.json()["money_at_risk"] is None
    assert "no price plan" in response.json()["note"]


async def test_the_portfolio_ranks_worst_first_with_totals_and_pages(
    finance: httpx.AsyncClient, world: BillingWorld, billing_app: FastAPI, token: TokenFactory
) -> None:
    missed, _ = await contract_with_a_missed_month(finance, world)
    fine = await world.billed(
        client="Initech",
        service_levels=[level("sl", "service_level", "0.50", threshold_seconds=20)],
    )
    for day in range(1, 11):
        await world.contacts(fine, "2026-10", [{"wait": 5, "handle": 60}] * 5, day=day)
    params = {"period": "2026-10", "as_of": AS_OF}
    response = await finance.get("/v1/sla-risk/portfolio", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    ours = [i for i in body["items"] if i["contract_id"] in (missed, fine)]
    assert [i["contract_id"] for i in ours] == [missed, fine]  # worst first
    assert ours[0]["status"] in ("lost", "at_risk") and ours[0]["levels_at_risk"] == 1
    assert Decimal(ours[0]["money_at_risk"]) > 0 and ours[0]["currency"] == "EUR"
    assert ours[1]["status"] == "secured" and ours[1]["money_at_risk"] is None  # no plan
    eur = next(t for t in body["totals"] if t["currency"] == "EUR")
    assert Decimal(eur["money_at_risk"]) >= Decimal(ours[0]["money_at_risk"])

    first = (await finance.get("/v1/sla-risk/portfolio", params={**params, "limit": 1})).json()
    assert len(first["items"]) == 1 and first["contracts"] == body["contracts"]
    if body["contracts"] > 1:
        second = await finance.get(
            "/v1/sla-risk/portfolio",
            params={**params, "limit": 1, "cursor": first["next_cursor"]},
        )
        assert second.json()["items"][0] == body["items"][1]
    bad = await finance.get("/v1/sla-risk/portfolio", params={**params, "cursor": "abc"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"

    owner = await world.client_of(missed)
    async with api_client(billing_app, token("client", client_id=owner)) as client:
        mine = (await client.get("/v1/sla-risk/portfolio", params=params)).json()
    assert {i["client_id"] for i in mine["items"]} == {owner}


async def test_a_period_the_contract_was_not_in_force_is_a_422(
    finance: httpx.AsyncClient, world: BillingWorld
) -> None:
    contract_id, _ = await contract_with_a_missed_month(finance, world)
    response = await finance.get(
        "/v1/sla-risk", params={"contract_id": contract_id, "period": "1998-12"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "period"

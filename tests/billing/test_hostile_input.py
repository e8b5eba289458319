"""Out-of-range input to billing answers 422 naming the field, never a 500 or a 502: money,
quantities and percents bounded to what their numeric columns and Decimal arithmetic hold,
and periods within the one calendar-month range every service computes with."""

import httpx
import pytest

from tests.billing.conftest import BillingWorld
from tests.billing.invoices.test_invoices import contract_with_plan, draft
from tests.billing.quotes.test_quotes import PLAN

HUGE = ["1e30", "99999999999999999999", "-1e30"]


def names(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.text


@pytest.mark.parametrize("amount", HUGE)
async def test_huge_credit_note_and_payment_amounts_are_refused(
    finance: httpx.AsyncClient, world: BillingWorld, amount: str
) -> None:
    invoice = await draft(finance, await contract_with_plan(finance, world))
    issued = await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={})
    assert issued.status_code == 200, issued.text
    note = await finance.post(
        "/v1/credit-notes",
        json={
            "invoice_id": invoice["id"],
            "reason": "x",
            "lines": [{"invoice_line_key": "charge:fee", "amount": amount}],
        },
    )
    names(note, "lines[0].amount")
    payment = await finance.post(
        "/v1/payments",
        json={"invoice_id": invoice["id"], "amount": amount, "received_on": "2026-02-10"},
    )
    names(payment, "amount")
    after = (await finance.get(f"/v1/invoices/{invoice['id']}")).json()
    assert after["balance"] == invoice["total"]


@pytest.mark.parametrize(
    ("charge", "field"),
    [
        ({"model": "fixed", "amount": "1e30"}, "amount"),
        ({"model": "per_unit", "metric": "handled_minutes", "unit_price": "1e30"}, "unit_price"),
        (
            {
                "model": "package",
                "metric": "handled_minutes",
                "package_size": "1e30",
                "package_price": "1",
            },
            "package_size",
        ),
        (
            {
                "model": "volume",
                "metric": "handled_minutes",
                "tiers": [{"up_to": None, "unit_price": "1", "flat_fee": "1e30"}],
            },
            "tiers[0].flat_fee",
        ),
    ],
)
async def test_huge_plan_figures_are_refused_in_plans_and_quotes(
    finance: httpx.AsyncClient, world: BillingWorld, charge: dict, field: str
) -> None:
    contract_id = await world.billed()
    version = {"effective_from": "2025-01-01", "charges": [{"key": "c", "name": "C", **charge}]}
    plan = await finance.post(
        "/v1/price-plans", json={"contract_id": contract_id, "name": "P", "version": version}
    )
    names(plan, f"version.charges[0].{field}")
    quote = await finance.post(
        "/v1/quotes",
        json={
            "plan": {"charges": version["charges"]},
            "currency": "EUR",
            "usage": {"handled_minutes": "10"},
        },
    )
    names(quote, f"plan.charges[0].{field}")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"usage": {"handled_minutes": "1e30"}}, "usage.handled_minutes"),
        ({"plan": {**PLAN, "minimum_commitment": "1e30"}}, "plan.minimum_commitment"),
        (
            {"service_credit_terms": {"at_risk_percent": "1e30"}},
            "service_credit_terms.at_risk_percent",
        ),
        (
            {"service_credit_terms": {"at_risk_percent": "10", "credit_cap_percent": "1e30"}},
            "service_credit_terms.credit_cap_percent",
        ),
        (
            {
                "sla_results": [
                    {
                        "key": "sl",
                        "target": "0.8",
                        "measured": "0.7",
                        "status": "missed",
                        "pool_share": "1e30",
                    }
                ],
                "service_credit_terms": {"at_risk_percent": "10"},
            },
            "sla_results[0].pool_share",
        ),
        (
            {
                "sla_results": [
                    {
                        "key": "sl",
                        "target": "1e30",
                        "measured": "-1e30",
                        "status": "missed",
                        "pool_share": "0.5",
                    }
                ],
                "service_credit_terms": {"at_risk_percent": "10"},
            },
            "sla_results[0].target",
        ),
    ],
)
async def test_huge_quote_figures_are_refused(
    finance: httpx.AsyncClient, body: dict, field: str
) -> None:
    request = {"plan": PLAN, "currency": "EUR", "usage": {"handled_minutes": "1000"}} | body
    names(await finance.post("/v1/quotes", json=request), field)


async def test_huge_tax_rate_is_refused(finance: httpx.AsyncClient) -> None:
    response = await finance.post(
        "/v1/tax-rates",
        json={
            "code": "X",
            "name": "X",
            "country": "BR",
            "rate": "1e30",
            "valid_from": "2026-01-01",
        },
    )
    names(response, "rate")


@pytest.mark.parametrize("period", ["9999-12", "0001-01", "1969-12", "3000-01"])
async def test_periods_out_of_range_are_refused_everywhere(
    finance: httpx.AsyncClient, world: BillingWorld, period: str
) -> None:
    contract_id = await contract_with_plan(finance, world)
    names(
        await finance.post("/v1/invoices", json={"contract_id": contract_id, "period": period}),
        "period",
    )
    names(await finance.post("/v1/invoice-runs", json={"period": period}), "period")
    names(
        await finance.post("/v1/quotes", json={"plan": PLAN, "currency": "EUR", "period": period}),
        "period",
    )
    names(await finance.get("/v1/invoices", params={"period": period}), "period")
    names(await finance.get("/v1/invoice-runs", params={"period": period}), "period")


@pytest.mark.parametrize("period", ["2999-12", "1970-01"])
async def test_the_ends_of_the_period_range_are_computed(
    finance: httpx.AsyncClient, period: str
) -> None:
    response = await finance.post(
        "/v1/quotes",
        json={
            "plan": PLAN,
            "currency": "EUR",
            "period": period,
            "usage": {"handled_minutes": "10"},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["period"] == period


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_extreme_days_in_billing_bodies_are_refused(
    finance: httpx.AsyncClient, world: BillingWorld, day: str
) -> None:
    invoice = await draft(finance, await contract_with_plan(finance, world))
    names(
        await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={"issue_date": day}),
        "issue_date",
    )
    assert (await finance.get(f"/v1/invoices/{invoice['id']}")).json()["status"] == "draft"
    await finance.post(f"/v1/invoices/{invoice['id']}/issue", json={})
    names(
        await finance.post(
            "/v1/payments",
            json={"invoice_id": invoice["id"], "amount": "1.00", "received_on": day},
        ),
        "received_on",
    )
    names(
        await finance.post(
            "/v1/credit-notes", json={"invoice_id": invoice["id"], "reason": "x", "issue_date": day}
        ),
        "issue_date",
    )
    names(
        await finance.post(
            "/v1/quotes",
            json={
                "plan": {
                    "charges": [
                        {
                            "key": "c",
                            "name": "C",
                            "model": "one_time",
                            "amount": "1",
                            "bill_on": day,
                        }
                    ]
                },
                "currency": "EUR",
            },
        ),
        "plan.charges[0].bill_on",
    )

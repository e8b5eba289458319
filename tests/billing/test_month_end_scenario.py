"""The issue's "done when", end to end over HTTP: a contract with a management fee, graduated
per-minute bands rounded per call, a per-contact charge, agent hours, a one-time fee, a
minimum commitment, tax and four service levels (two missed, one met with a bonus, one without
data). The month-end run produces one draft matching a hand computation to the cent; running
it again changes nothing; issuing gives the next number; the PDF shows it; a credit note
corrects it.

Everything upstream is real: the contract (with its service levels and credit terms) is signed
through the contracts API, and the usage and SLA figures are what the metrics service computes
from the month's contact records and agent activity, ingested through its API. The records are
chosen so that the figures are exact (see ``month_of_contacts``).
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal

import httpx
from fastapi import FastAPI

from tests.billing.conftest import BillingFactory, BillingWorld, WorldFactory
from tests.billing.invoices.pdf_text import pdf_text
from tests.conftest import TokenFactory, api_client

PERIOD = "2026-01"
CENT = Decimal("0.01")


def r(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


PLAN = {
    "effective_from": "2026-01-01",
    "charges": [
        {"key": "management", "name": "Management fee", "model": "fixed", "amount": "5000.00"},
        {
            "key": "voice-minutes",
            "name": "Handled voice minutes",
            "model": "graduated",
            "metric": "handled_minutes",
            "channel": "voice",
            "increment_seconds": 6,
            "tiers": [
                {"up_to": "20000", "unit_price": "0.55"},
                {"up_to": "50000", "unit_price": "0.48"},
                {"up_to": None, "unit_price": "0.42"},
            ],
        },
        {
            "key": "contacts",
            "name": "Handled contacts",
            "model": "per_unit",
            "metric": "handled_contacts",
            "unit_price": "0.35",
        },
        {
            "key": "agent-hours",
            "name": "Productive agent hours",
            "model": "per_unit",
            "metric": "productive_agent_hours",
            "unit_price": "2.10",
        },
        {
            "key": "setup",
            "name": "Setup and training",
            "model": "one_time",
            "amount": "2500.00",
            "bill_on": "2026-01-01",
        },
    ],
    "minimum_commitment": "45000.00",
    "payment_terms_days": 45,
}

SERVICE_LEVELS = [
    # key, metric, target, direction, pool share; measured by metrics from the records below
    ("asa", "asa", "30", "at_most", "0.40"),  # 41.7 s: missed
    ("sl-80-20", "service_level", "0.80", "at_least", "0.35"),  # 12062 of 15332: missed
    ("abandon", "abandonment_rate", "0.05", "at_most", "0.15"),  # 332 of 15332: met, bonus
    ("csat", "csat", "4.2", "at_least", "0.10"),  # no survey answered: no data
]


def contract_levels() -> list[dict]:
    return [
        {
            "key": key,
            "metric": metric,
            "target": target,
            "direction": direction,
            "channels": ["voice"],
            "pool_share": share,
            **({"threshold_seconds": 20} if metric == "service_level" else {}),
            **({"csat_mode": "mean"} if metric == "csat" else {}),
        }
        for key, metric, target, direction, share in SERVICE_LEVELS
    ]


def month_of_contacts() -> list[dict]:
    """15,000 answered voice calls: 13,457 of 210 s and 1,543 of 204 s handle time, so in 6 s
    increments 52,345.7 minutes; 12,062 answered within 10 s and 2,938 after 171-172 s, so the
    ASA is 625,500 s / 15,000 = 41.7 s. 332 voice abandons and 468 flow-outs (flow-outs are not
    offered unless a level includes them: 12,062 / 15,332 = 78.67% answered within 20 s, 332 /
    15,332 = 2.17% abandoned). 3,433 answered and 267
    abandoned chats: 18,433 handled contacts in all. No survey answers: CSAT has no data."""
    waits = [10] * 12062 + [172] * 2482 + [171] * 456
    handles = [210] * 13457 + [204] * 1543
    calls = [{"handle": h, "wait": w} for h, w in zip(handles, waits, strict=True)]
    calls += [{"outcome": "abandoned", "wait": 30}] * 332
    calls += [{"outcome": "flow_out", "wait": 60}] * 468
    calls += [{"channel": "chat", "handle": 300}] * 3433
    calls += [{"channel": "chat", "outcome": "abandoned", "wait": 40}] * 267
    assert sum(waits) == 625_500 and sum(handles) == 523_457 * 6
    return calls


AGENT_HOURS = [8.0] * 190 + [3.75]  # 1,523.75 productive hours


def hand_computation() -> dict[str, Decimal]:
    """The invoice, by hand: each line at full precision rounded half-up to the cent."""
    minutes = Decimal("52345.7")  # per-call 6 s rounding is applied by metrics, per contact
    lines = {
        "charge:management": Decimal("5000.00"),
        "charge:voice-minutes:tier1": r(Decimal(20000) * Decimal("0.55")),  # 11000.00
        "charge:voice-minutes:tier2": r(Decimal(30000) * Decimal("0.48")),  # 14400.00
        "charge:voice-minutes:tier3": r((minutes - 50000) * Decimal("0.42")),  # 985.194 -> .19
        "charge:contacts": r(18433 * Decimal("0.35")),  # 6451.55
        "charge:agent-hours": r(Decimal("1523.75") * Decimal("2.10")),  # 3199.875 -> 3199.88
        "one_time:setup": Decimal("2500.00"),
    }
    recurring = sum(v for k, v in lines.items() if k.startswith("charge:"))
    assert recurring == Decimal("41036.62")
    lines["true_up"] = r(Decimal("45000.00") - recurring)  # 3963.38
    base = recurring + lines["true_up"]  # 45000.00: recurring + true-up, not one-time fees
    at_risk = base * Decimal("7.5") / 100  # 3375.00
    lines["credit:asa"] = -r(Decimal("0.40") * at_risk)  # -1350.00
    lines["credit:sl-80-20"] = -r(Decimal("0.35") * at_risk)  # -1181.25
    # abandon met (no credit) and beat its bonus target 0.03 (at most): 1 % of the base
    lines["bonus:abandon"] = r(base * Decimal("1") / 100)  # 450.00
    # csat had no data: not a miss, no line
    net = sum(lines.values())
    tax = r(net * Decimal("5") / 100)
    return {**lines, "net": net, "tax": tax, "total": net + tax}


class TestMonthEnd:
    async def test_run_issue_pdf_credit_note(
        self, make_billing: BillingFactory, make_world: WorldFactory, token: TokenFactory
    ) -> None:
        async with make_world() as world:
            invoice_id, note_id = await self.month_end(make_billing, world, token)
        # Billing publishes an event once its transaction and every older one have ended.
        async with make_billing() as app, api_client(app, token("finance")) as billing:
            events = (await billing.get("/v1/billing-events", params={"limit": 500})).json()
            mine = [e["type"] for e in events["items"] if e["subject_id"] in (invoice_id, note_id)]
            assert mine == ["invoice.issued", "credit_note.issued"]

    async def month_end(
        self, make_billing: BillingFactory, world: BillingWorld, token: TokenFactory
    ) -> tuple[str, str]:
        contract_id = await world.billed(
            service_levels=contract_levels(),
            credit_terms={
                "at_risk_percent": "7.5",
                "credit_cap_percent": None,
                "pool_cap_percent": "100",
                "bonus_rules": [
                    {"service_level_key": "abandon", "bonus_target": "0.03", "bonus_percent": "1"}
                ],
            },
            payment_terms_days=30,
        )
        await world.contacts(contract_id, PERIOD, month_of_contacts())
        await world.agent_hours(contract_id, PERIOD, AGENT_HOURS)
        expected = hand_computation()

        async with make_billing() as app, api_client(app, token("finance")) as billing:
            rate = await billing.post(
                "/v1/tax-rates",
                json={
                    "code": f"VAT-{uuid.uuid4().hex[:6].upper()}",
                    "name": "VAT",
                    "country": "PT",
                    "rate": "5.00",
                    "valid_from": "2026-01-01",
                },
            )
            assert rate.status_code == 201, rate.text
            plan = await billing.post(
                "/v1/price-plans",
                json={
                    "contract_id": contract_id,
                    "name": "Acme 2026",
                    "version": {**PLAN, "tax_rate_id": rate.json()["id"]},
                },
            )
            assert plan.status_code == 201, plan.text

            run = await start_run(app, billing, PERIOD)
            assert run["progress"]["done"] == 1, run
            drafts = (await billing.get("/v1/invoices", params={"contract_id": contract_id})).json()
            assert len(drafts["items"]) == 1
            invoice = (await billing.get(f"/v1/invoices/{drafts['items'][0]['id']}")).json()

            assert invoice["status"] == "draft" and invoice["number"] is None
            got = {line["key"]: Decimal(line["amount"]) for line in invoice["lines"]}
            assert got == {k: v for k, v in expected.items() if k not in ("net", "tax", "total")}
            assert Decimal(invoice["subtotal"]) == expected["net"]
            assert Decimal(invoice["tax"]) == expected["tax"]
            assert Decimal(invoice["total"]) == expected["total"]
            reports = await world.metrics.get(
                "/v1/sla-reports", params={"contract_id": contract_id, "period": PERIOD}
            )
            (report,) = reports.json()["items"]
            report_id = report["id"]
            assert invoice["sla_report_id"] == report_id
            assert [(x["key"], x["measured"], x["status"]) for x in report["results"]] == [
                ("asa", "41.700000", "missed"),
                ("sl-80-20", "0.786721", "missed"),
                ("abandon", "0.021654", "met"),
                ("csat", None, "no_data"),
            ]
            credit = next(ln for ln in invoice["lines"] if ln["key"] == "credit:asa")
            assert (credit["sla_key"], credit["sla_target"], credit["sla_measured"]) == (
                "asa",
                "30",
                "41.700000",
            )
            assert credit["report_id"] == report_id
            tier3 = next(ln for ln in invoice["lines"] if ln["key"].endswith("tier3"))
            assert tier3["source"]["usage_query"] == {"increment_seconds": 6, "channel": "voice"}
            assert tier3["plan_version"] == 1 and tier3["tier"] == 3
            assert Decimal(tier3["quantity"]) == Decimal("2345.7")
            csat = next(s for s in invoice["service_levels"] if s["key"] == "csat")
            assert csat["note"] == "no data is not a miss"

            # Running it again changes nothing.
            again = await start_run(app, billing, PERIOD)
            items = (await billing.get(f"/v1/invoice-runs/{again['id']}/items")).json()["items"]
            assert [(i["status"], i["reason"]) for i in items] == [("done", "unchanged")]
            same = (await billing.get(f"/v1/invoices/{invoice['id']}")).json()
            assert same == invoice

            # Issuing gives the next number of the operator and year.
            issued = await billing.post(
                f"/v1/invoices/{invoice['id']}/issue", json={"issue_date": "2026-02-02"}
            )
            assert issued.status_code == 200, issued.text
            issued_body = issued.json()
            assert issued_body["number"] == "INV-2026-000001"
            assert issued_body["due_date"] == "2026-03-19"  # plan's 45 days win over contract's 30

            pdf = await billing.get(f"/v1/invoices/{invoice['id']}/pdf")
            assert pdf.status_code == 200
            assert pdf.headers["content-type"] == "application/pdf"
            assert pdf.content.startswith(b"%PDF")
            printed = pdf_text(pdf.content)
            for text in (
                "INV-2026-000001",
                "Acme S.A.",
                "Contact Partners Ltda.",
                "Service credits",
                f"{expected['total']:,}",
                "Net 45 days",
            ):
                assert text in printed, text

            # A run after issue leaves the issued invoice alone.
            third = await start_run(app, billing, PERIOD)
            items = (await billing.get(f"/v1/invoice-runs/{third['id']}/items")).json()["items"]
            assert items[0]["status"] == "skipped" and "issued" in items[0]["reason"]

            # A credit note corrects it.
            note = await billing.post(
                "/v1/credit-notes",
                json={
                    "invoice_id": invoice["id"],
                    "reason": "Contacts double-counted",
                    "lines": [{"invoice_line_key": "charge:contacts", "amount": "100.00"}],
                    "issue_date": "2026-02-10",
                },
            )
            assert note.status_code == 201, note.text
            assert note.json()["number"] == "CN-2026-000001"
            assert (note.json()["subtotal"], note.json()["tax"], note.json()["total"]) == (
                "100.00",
                "5.00",
                "105.00",
            )
            after = (await billing.get(f"/v1/invoices/{invoice['id']}")).json()
            assert Decimal(after["balance"]) == expected["total"] - Decimal("105.00")
            assert [(c["number"], c["amount"]) for c in after["credit_notes"]] == [
                ("CN-2026-000001", "105.00")
            ]
            assert [ln["amount"] for ln in after["lines"]] == [
                ln["amount"] for ln in invoice["lines"]
            ]
            return invoice["id"], note.json()["id"]


async def start_run(app: FastAPI, client: httpx.AsyncClient, period: str) -> dict:
    response = await client.post("/v1/invoice-runs", json={"period": period})
    assert response.status_code in (200, 201), response.text
    run_id = uuid.UUID(response.json()["id"])
    await app.state.runs.tasks[run_id]
    return (await client.get(f"/v1/invoice-runs/{run_id}")).json()

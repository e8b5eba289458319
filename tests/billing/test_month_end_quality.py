"""Quality scores at month end, in process and end to end: QA evaluations pushed to metrics,
two quality_score service levels in the signed contract, the SLA report, and the invoice run:
the missed quality level becomes a service-credit line citing the report, and the level met
beyond its bonus target a bonus line."""

import uuid
from decimal import Decimal

from tests.billing.conftest import BillingFactory, WorldFactory
from tests.billing.test_month_end_scenario import start_run
from tests.conftest import TokenFactory, api_client

PERIOD = "2026-03"
# Ten agents' days scored 70..88: a mean of 79.00 points (790.00 / 10).
SCORES = ["70", "72.50", "75", "77.50", "79", "81", "82.50", "84.50", "80", "88"]


async def test_a_missed_quality_level_is_credited_and_a_beaten_one_earns_its_bonus(
    make_billing: BillingFactory, make_world: WorldFactory, token: TokenFactory
) -> None:
    async with make_world() as world:
        contract_id = await world.billed(
            service_levels=[
                # 79.00 against 85 points: missed, 40 % of the at-risk pool.
                {
                    "key": "qa-target",
                    "metric": "quality_score",
                    "target": "85",
                    "pool_share": "0.4",
                },
                # 79.00 against a floor of 75, beyond its bonus target of 78: a bonus.
                {
                    "key": "qa-floor",
                    "metric": "quality_score",
                    "target": "75",
                    "bonus_target": "78",
                },
            ],
            credit_terms={
                "at_risk_percent": "10",
                "bonus_rules": [{"service_level_key": "qa-floor", "bonus_percent": "2"}],
            },
        )
        await world.quality_scores(contract_id, PERIOD, SCORES)

        async with make_billing() as app, api_client(app, token("finance")) as billing:
            plan = await billing.post(
                "/v1/price-plans",
                json={
                    "contract_id": contract_id,
                    "name": "Quality",
                    "version": {
                        "effective_from": "2026-01-01",
                        "charges": [
                            {
                                "key": "management",
                                "name": "Management fee",
                                "model": "fixed",
                                "amount": "10000.00",
                            }
                        ],
                    },
                },
            )
            assert plan.status_code == 201, plan.text
            run = await start_run(app, billing, PERIOD)
            assert run["progress"]["done"] == 1, run
            drafts = (await billing.get("/v1/invoices", params={"contract_id": contract_id})).json()
            (draft,) = drafts["items"]
            invoice = (await billing.get(f"/v1/invoices/{draft['id']}")).json()

        reports = await world.metrics.get(
            "/v1/sla-reports", params={"contract_id": contract_id, "period": PERIOD}
        )
        (report,) = reports.json()["items"]
        assert [
            (r["key"], r["measured"], r["numerator"], r["denominator"], r["status"])
            for r in report["results"]
        ] == [
            ("qa-target", "79.000000", "790.00", 10, "missed"),
            ("qa-floor", "79.000000", "790.00", 10, "met"),
        ]
        lines = {line["key"]: line for line in invoice["lines"]}
        assert set(lines) == {"charge:management", "credit:qa-target", "bonus:qa-floor"}
        credit = lines["credit:qa-target"]
        # 40 % of the 10 % at risk of 10,000.00
        assert Decimal(credit["amount"]) == Decimal("-400.00")
        assert (credit["sla_key"], credit["sla_target"], credit["sla_measured"]) == (
            "qa-target",
            "85",
            "79.000000",
        )
        assert credit["report_id"] == report["id"]
        assert Decimal(lines["bonus:qa-floor"]["amount"]) == Decimal("200.00")  # 2 % of base
        assert Decimal(invoice["subtotal"]) == Decimal("9800.00")
        assert uuid.UUID(invoice["sla_report_id"]) == uuid.UUID(report["id"])

"""The billing routes as a new user reaches them: through the gateway, whose upstream client is
pointed at the billing app in-process (the gateway's own code path, unchanged)."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from gateway.main import create_app as create_gateway
from gateway.settings import GatewaySettings
from tests.billing.conftest import BillingFactory, BillingWorld
from tests.conftest import TokenFactory, api_client, running_app


@pytest.fixture
async def through_gateway(
    make_billing: BillingFactory,
    database_urls: dict[str, str],
) -> AsyncIterator[FastAPI]:
    async with (
        make_billing() as billing,
        running_app(create_gateway(GatewaySettings(database_url=database_urls["gateway"]))) as gw,
    ):
        await gw.state.client.aclose()
        gw.state.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=billing))
        try:
            yield gw
        finally:
            await gw.state.client.aclose()


class TestThroughGateway:
    async def test_plan_draft_issue_pdf_and_events(
        self, through_gateway: FastAPI, token: TokenFactory, world: BillingWorld
    ) -> None:
        gw = through_gateway
        contract_id = await world.billed()
        await world.handled(contract_id, "2026-01", [210] * 343)  # 1200.5 voice minutes
        async with api_client(gw, token("finance")) as client:
            plan = await client.post(
                "/v1/price-plans",
                headers={"Idempotency-Key": str(uuid.uuid4())},
                json={
                    "contract_id": contract_id,
                    "name": "P",
                    "version": {
                        "effective_from": "2026-01-01",
                        "tax_rate_percent": "5",
                        "charges": [
                            {"key": "fee", "name": "Fee", "model": "fixed", "amount": "100.00"},
                            {
                                "key": "min",
                                "name": "Minutes",
                                "model": "graduated",
                                "metric": "handled_minutes",
                                "channel": "voice",
                                "increment_seconds": 6,
                                "tiers": [
                                    {"up_to": "1000", "unit_price": "0.50"},
                                    {"up_to": None, "unit_price": "0.40"},
                                ],
                            },
                        ],
                    },
                },
            )
            assert plan.status_code == 201, plan.text
            draft = await client.post(
                "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
            )
            assert draft.status_code == 201, draft.text
            # 100 + 1000 x 0.50 + 200.5 x 0.40 = 680.20 net, 34.01 tax
            assert draft.json()["total"] == "714.21"
            issued = await client.post(f"/v1/invoices/{draft.json()['id']}/issue", json={})
            assert issued.status_code == 200
            pdf = await client.get(f"/v1/invoices/{draft.json()['id']}/pdf")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            events = await client.get("/v1/billing-events", params={"type": "invoice.issued"})
            assert events.status_code == 200
            bad = await client.post("/v1/quotes", json={"plan": {"charges": []}, "currency": "EUR"})
            assert bad.status_code == 422
            assert bad.headers["content-type"] == "application/problem+json"

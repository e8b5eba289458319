"""Closed sets are closed, and units follow one convention (README, "Units").

* A channel, a service-level metric or any other member of a closed set outside its set is a
  422 naming the field and listing the allowed values (a charge on channel "fax" billed zero).
* ``*_percent`` fields hold percent points: 0 < x < 1 is refused with the likely intended
  value; every other ratio is a fraction from 0 to 1, and a value above 1 is refused the same
  way."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from billing.price_plans.schemas import PricePlanCreate
from billing.quotes.schemas import QuoteRequest
from contracts.contracts.rules.lifecycle import Status
from contracts.contracts.schemas import ContractCreate, ContractEventType
from tests.billing.conftest import BillingWorld
from tests.conftest import TokenFactory, api_client, rolled_back

ALLOWED_CHANNELS = "'voice', 'email', 'chat', 'sms' or 'social'"


def example(model: type[BaseModel]) -> dict[str, Any]:
    extra: Any = model.model_config.get("json_schema_extra")
    return copy.deepcopy(extra["examples"][0])


def inline_plan() -> dict[str, Any]:
    """The price plan example's rate card, as a quote takes it inline."""
    plan = example(PricePlanCreate)["version"]
    plan.pop("effective_from")
    return plan


def problem_for(response: httpx.Response, field: str) -> str:
    """The message of the problem's error naming ``field`` (the answer must be a 422)."""
    assert response.status_code == 422, response.text
    messages = [e["message"] for e in response.json()["errors"] if e["field"] == field]
    assert messages, response.text
    return str(messages[0])


@pytest.fixture
async def billing(billing_app: FastAPI, token: TokenFactory) -> Any:
    async with rolled_back(billing_app), api_client(billing_app, token("admin")) as client:
        yield client


async def test_a_charge_on_an_unknown_channel_is_refused(
    world: BillingWorld, billing: httpx.AsyncClient
) -> None:
    contract = await world.contract(queues=["enum-q"])
    body = example(PricePlanCreate)
    body["contract_id"] = str(contract.id)
    body["currency"] = "EUR"
    body["version"]["charges"][1]["channel"] = "fax"
    response = await billing.post("/v1/price-plans", json=body)
    assert ALLOWED_CHANNELS in problem_for(response, "version.charges[1].channel")


async def test_metrics_take_only_known_channels(world: BillingWorld) -> None:
    contract = await world.contract(queues=["enum-q"])
    await world.metrics.post("/v1/sources", json={"name": "enum", "kind": "api"})
    row = {"queue": "enum-q", "enqueued_at": "2026-10-01T10:00:00Z", "wait_seconds": 1,
           "outcome": "abandoned"}  # fmt: skip
    records = [{**row, "external_id": "ok", "channel": "chat"},
               {**row, "external_id": "typo", "channel": "emial"}]  # fmt: skip
    stored = await world.metrics.post(
        "/v1/contact-records", json={"source": "enum", "records": records}
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["inserted"] == 1
    (rejection,) = stored.json()["rejections"]
    assert (rejection["index"], rejection["field"]) == (1, "channel")
    assert ALLOWED_CHANNELS in rejection["message"]
    kpis = await world.metrics.get(
        "/v1/kpis",
        params={"contract_id": str(contract.id), "from": "2026-10-01", "to": "2026-10-02",
                "channel": "fax"},
    )  # fmt: skip
    assert ALLOWED_CHANNELS in problem_for(kpis, "channel[0]")


async def test_a_quote_names_only_known_service_level_metrics(billing: httpx.AsyncClient) -> None:
    body = example(QuoteRequest)
    body.pop("price_plan_id")
    body["plan"] = inline_plan()
    body["currency"] = "EUR"
    body["sla_results"][0]["metric"] = "uptime"
    response = await billing.post("/v1/quotes", json=body)
    assert "'service_level'" in problem_for(response, "sla_results[0].metric")


@pytest.mark.parametrize("field", ["at_risk_percent", "credit_cap_percent"])
async def test_contract_credit_percents_are_percent_points(world: BillingWorld, field: str) -> None:
    body = example(ContractCreate)
    body["client_id"] = str(await world.client())
    body.pop("parent_id")
    body["service_credit_terms"][field] = "0.12"
    response = await world.api.post("/v1/contracts", json=body)
    message = problem_for(response, f"service_credit_terms.{field}")
    assert "0.12 means 0.12 %; send 12 for 12 %" in message


async def test_a_contract_bonus_percent_is_percent_points(world: BillingWorld) -> None:
    body = example(ContractCreate)
    body["client_id"] = str(await world.client())
    body.pop("parent_id")
    body["service_levels"][0]["bonus_target"] = "0.9"
    body["service_credit_terms"]["bonus_rules"] = [
        {"service_level_key": "voice_sl", "bonus_percent": "0.5"}
    ]
    response = await world.api.post("/v1/contracts", json=body)
    message = problem_for(response, "service_credit_terms.bonus_rules[0].bonus_percent")
    assert "send 50 for 50 %" in message


async def test_a_ratio_target_in_percent_is_refused_explaining_fractions(
    world: BillingWorld,
) -> None:
    body = example(ContractCreate)
    body["client_id"] = str(await world.client())
    body.pop("parent_id")
    body["service_levels"][0]["pool_share"] = "60"
    response = await world.api.post("/v1/contracts", json=body)
    assert "send 0.6 for 60 %" in problem_for(response, "service_levels[0].pool_share")
    body["service_levels"][0]["pool_share"] = "0.6"
    body["service_levels"][0]["target"] = "80"
    response = await world.api.post("/v1/contracts", json=body)
    assert "send 0.8 for 80 %" in problem_for(response, "service_levels[0].target")


async def test_quote_units_follow_the_convention(billing: httpx.AsyncClient) -> None:
    body = example(QuoteRequest)
    body.pop("price_plan_id")
    body["plan"] = inline_plan()
    body["currency"] = "EUR"
    bonus = {"service_level_key": "sl-80-20", "bonus_target": "0.9", "bonus_percent": "0.5"}
    body["service_credit_terms"] = {"at_risk_percent": "0.12", "bonus_rules": [bonus]}
    body["sla_results"][0]["target"] = "80"
    response = await billing.post("/v1/quotes", json=body)
    assert "send 12 for 12 %" in problem_for(response, "service_credit_terms.at_risk_percent")
    assert "send 50 for 50 %" in problem_for(
        response, "service_credit_terms.bonus_rules[0].bonus_percent"
    )
    assert "send 0.8 for 80 %" in problem_for(response, "sla_results[0].target")
    body["service_credit_terms"] = {"at_risk_percent": "12", "bonus_rules": [{**bonus,
                                    "bonus_percent": "2"}]}  # fmt: skip
    body["sla_results"][0]["target"] = "0.8"
    response = await billing.post("/v1/quotes", json=body)
    assert response.status_code == 200, response.text


async def test_contract_event_filters_take_only_known_event_types(world: BillingWorld) -> None:
    contract = await world.contract(queues=["enum-q"])
    typo = await world.api.get("/v1/contracts/events", params={"type": "contract.signd"})
    assert "'contract.signed'" in problem_for(typo, "type")
    signed = await world.api.get(
        f"/v1/contracts/{contract.id}/events", params={"type": "contract.signed"}
    )
    assert [e["type"] for e in signed.json()["items"]] == ["contract.signed"]
    logged = (await world.api.get(f"/v1/contracts/{contract.id}/events")).json()["items"]
    assert {e["type"] for e in logged} <= set(ContractEventType)
    assert {f"contract.{status.value}" for status in Status} <= set(ContractEventType)

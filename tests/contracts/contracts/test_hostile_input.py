"""Dates at the ends of the calendar (year 1, year 9999) answer 422 naming the parameter or
field, never a 500 from date arithmetic overflowing (adding days, notice periods, terms)."""

import httpx
import pytest

from tests.contracts.contracts.helpers import signed_sla

EDGES = ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"]


def names(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.text


@pytest.mark.parametrize("day", EDGES)
async def test_extreme_days_in_queries_are_refused(
    contracts: httpx.AsyncClient, as_service: dict[str, str], day: str
) -> None:
    _, contract = await signed_sla(contracts)
    base = f"/v1/contracts/{contract['id']}"
    names(await contracts.get(base, params={"as_of": day}), "as_of")
    names(await contracts.get(f"{base}/document", params={"as_of": day}), "as_of")
    names(await contracts.get("/v1/contracts/reminders", params={"today": day}), "today")
    names(
        await contracts.get("/v1/contracts", params={"active_on": day}),
        "active_on",
    )
    names(
        await contracts.get(
            "/v1/contracts", params={"in_service_from": "2026-01-01", "in_service_to": day}
        ),
        "in_service_to",
    )
    names(
        await contracts.get(f"{base}/billing-terms", params={"on": day}, headers=as_service),
        "on",
    )
    names(
        await contracts.get(
            f"{base}/service-terms", params={"from": "2026-01-01", "to": day}, headers=as_service
        ),
        "to",
    )


@pytest.mark.parametrize("within_days", ["3650", "99999999999999999999999", "-1"])
async def test_reminders_at_the_end_of_the_calendar(
    contracts: httpx.AsyncClient, within_days: str
) -> None:
    response = await contracts.get(
        "/v1/contracts/reminders", params={"within_days": within_days, "today": "2999-12-31"}
    )
    if within_days == "3650":
        assert response.status_code == 200, response.text
    else:
        names(response, "within_days")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_extreme_days_in_contract_bodies_are_refused(
    contracts: httpx.AsyncClient, day: str
) -> None:
    _, acme = await signed_sla(contracts)
    body = {
        "type": "MSA",
        "title": "Edge",
        "client_id": acme["id"],
        "currency": "BRL",
        "term": {"start_date": day, "initial_term_months": 12, "renewal_type": "fixed"},
    }
    names(await contracts.post("/v1/contracts", json=body), "term.start_date")


async def test_a_term_running_past_the_calendar_is_refused(contracts: httpx.AsyncClient) -> None:
    acme, _ = await signed_sla(contracts)
    body = {
        "type": "MSA",
        "title": "Long",
        "client_id": acme["id"],
        "currency": "BRL",
        "term": {
            "start_date": "2990-01-01",
            "initial_term_months": 1200,
            "renewal_type": "auto_renew",
            "renewal_term_months": 120,
            "max_renewals": 1000,
        },
    }
    names(await contracts.post("/v1/contracts", json=body), "term.max_renewals")
    body["term"] |= {"start_date": "2026-01-01", "max_renewals": 50}  # to 2586: fine
    assert (await contracts.post("/v1/contracts", json=body)).status_code == 201

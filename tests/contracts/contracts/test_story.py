"""The issue's "done when", as one story: client, MSA, SLA, signature, activation, amendment,
auto-renewal, termination and fee — on a month-end start date crossing a leap year."""

import httpx

from tests.contracts.contracts.helpers import SLA, msa, parties, post, sign_through, sla


async def test_the_whole_story(contracts: httpx.AsyncClient, as_service: dict[str, str]) -> None:
    _, acme = await parties(contracts)
    master = await msa(contracts, acme["id"])
    await sign_through(contracts, master["id"])
    term = {**SLA["term"], "start_date": "2027-01-31", "notice_days": 90}
    body = sla(client_id=acme["id"], parent_id=master["id"], term=term)
    contract = await sign_through(contracts, (await post(contracts, "/v1/contracts", body))["id"])
    url = f"/v1/contracts/{contract['id']}"

    async def view(day: str) -> dict:
        response = await contracts.get(url, params={"as_of": day})
        assert response.status_code == 200, response.text
        return response.json()

    # active on its start date
    assert (await view("2027-01-30"))["status"] == "pending"
    first = await view("2027-01-31")
    assert first["status"] == "active"
    assert first["schedule"]["period_end"] == "2028-01-30"
    assert first["schedule"]["notice_deadline"] == "2027-11-01"

    # an amendment from July, read before and after
    levels = [{**SLA["service_levels"][0], "target": "0.85"}, SLA["service_levels"][1]]
    await post(
        contracts,
        f"{url}/amendments",
        {"effective_from": "2027-07-01", "change_summary": "85%", "service_levels": levels},
    )
    await sign_through(contracts, contract["id"])
    assert (await view("2027-06-30"))["service_levels"][0]["target"] == "0.80"
    assert (await view("2027-07-01"))["service_levels"][0]["target"] == "0.85"

    # the auto-renewal happens; the notice deadline moves with the renewed end (2028 is leap)
    response = await contracts.post(
        "/v1/contracts/status-refresh", params={"on": "2028-01-31"}, headers=as_service
    )
    assert response.status_code == 200
    renewed = await view("2028-01-31")
    assert renewed["schedule"]["renewals_done"] == 1
    assert renewed["schedule"]["period_start"] == "2028-01-31"
    assert renewed["schedule"]["period_end"] == "2029-01-30"
    assert renewed["schedule"]["notice_deadline"] == "2028-11-01"
    types = [e["type"] for e in (await contracts.get(f"{url}/events?limit=100")).json()["items"]]
    assert "contract.renewed" in types

    # terminate for convenience: 60 days' notice from Feb 29, fee capped by the months left
    done = await post(
        contracts, f"{url}/termination", {"reason": "in-house", "notice_date": "2028-02-29"}, 200
    )
    request = done["termination_request"]
    assert request["effective_date"] == "2028-04-29"
    assert request["early_termination_fee"] == "30000.00"
    billing = (await contracts.get(f"{url}/billing-terms", params={"on": "2028-04-30"})).json()
    assert billing["status"] == "terminated"
    assert billing["termination"]["early_termination_fee"] == "30000.00"
    assert (await view("2028-04-29"))["status"] == "terminating"

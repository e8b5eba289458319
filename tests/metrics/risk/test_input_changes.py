"""The SLA input change log: a write that changes a contract's records or activity lists the
contract (once, with its latest change); a write that changes nothing does not; clients may not
read it; it pages."""

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from tests.conftest import TokenFactory, api_client
from tests.metrics.builders import contact, make_source
from tests.metrics.records.test_ingest_api import T0, push
from tests.world import World


async def changes(metrics: httpx.AsyncClient, since: datetime, **params: object) -> dict:
    response = await metrics.get(
        "/v1/sla-input-changes", params={"since": since.isoformat(), **params}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_records_and_activity_list_their_contract_once(
    metrics: httpx.AsyncClient, world: World
) -> None:
    first, _ = await world.ids()
    second, _ = await world.ids()
    await make_source(metrics)
    before = datetime.now(UTC)
    await push(metrics, [contact("a1", T0, contract_id=first)])
    await push(metrics, [contact("a2", T0, contract_id=first)])  # a second batch: still once
    between = datetime.now(UTC)
    listed = (await changes(metrics, before))["items"]
    assert [item["contract_id"] for item in listed] == [str(first)]
    assert before < datetime.fromisoformat(listed[0]["changed_at"]) < between

    # The same records again change nothing: nothing new is listed.
    again = await push(metrics, [contact("a1", T0, contract_id=first)])
    assert again["unchanged"] == 1
    assert (await changes(metrics, between))["items"] == []

    span = {
        "external_id": "s1",
        "contract_id": str(second),
        "agent": "ana",
        "state": "on_contact",
        "started_at": "2026-10-01T12:00:00Z",
        "ended_at": "2026-10-01T12:30:00Z",
    }
    pushed = await metrics.post("/v1/agent-activity", json={"source": "pbx-1", "records": [span]})
    assert pushed.json()["inserted"] == 1, pushed.text
    listed = (await changes(metrics, between))["items"]
    assert [item["contract_id"] for item in listed] == [str(second)]

    # Oldest latest change first, a page at a time.
    page = await changes(metrics, before, limit=1)
    assert [i["contract_id"] for i in page["items"]] == [str(first)]
    rest = await changes(metrics, before, limit=1, cursor=page["next_cursor"])
    assert [i["contract_id"] for i in rest["items"]] == [str(second)]
    assert rest["next_cursor"] is None


async def test_clients_and_partners_may_not_read_it(
    metrics_app: FastAPI, world: World, token: TokenFactory
) -> None:
    client_id = await world.client()
    for principal in (token("client", client_id=str(client_id)), token("partner")):
        async with api_client(metrics_app, principal) as caller:
            response = await caller.get(
                "/v1/sla-input-changes", params={"since": "2026-10-01T00:00:00Z"}
            )
            assert response.status_code == 403, response.text


async def test_since_is_required_and_aware(metrics: httpx.AsyncClient) -> None:
    for params in ({}, {"since": "2026-10-01T00:00:00"}):
        response = await metrics.get("/v1/sla-input-changes", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "since"

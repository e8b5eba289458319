"""Moments at the ends of Python's calendar (year 1 east of UTC, year 9999 west of it) overflow
when converted to UTC: every timestamp is refused outside 1900-2999, per row in a batch, as a
422 naming the parameter in a query — never a 500."""

import httpx
import pytest

from tests.world import World

FAR = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z"]


@pytest.mark.parametrize("at", FAR)
async def test_far_moments_are_refused_everywhere(
    metrics: httpx.AsyncClient, world: World, at: str
) -> None:
    contract_id, _ = await world.ids(queues=["far-q"])
    await metrics.post("/v1/sources", json={"name": "far", "kind": "api"})
    record = {"external_id": "r", "queue": "far-q", "channel": "voice", "enqueued_at": at,
              "wait_seconds": 1, "outcome": "abandoned"}  # fmt: skip
    stored = await metrics.post("/v1/contact-records", json={"source": "far", "records": [record]})
    assert stored.status_code == 200 and stored.json()["rejected"] == 1
    span = {"external_id": "s", "agent": "ana", "state": "available", "started_at": at,
            "ended_at": at, "contract_id": str(contract_id)}  # fmt: skip
    spans = await metrics.post("/v1/agent-activity", json={"source": "far", "records": [span]})
    assert spans.status_code == 200, spans.text
    assert {r["field"] for r in spans.json()["rejections"]} >= {"started_at", "ended_at"}
    listed = await metrics.get("/v1/contact-records", params={"from": at})
    assert listed.status_code == 422 and listed.json()["errors"][0]["field"] == "from"

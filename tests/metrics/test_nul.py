"""One NUL character (which PostgreSQL cannot store) rejects its own row, never the batch, and
is a 4xx in a query, never a 500."""

import httpx

from tests.world import World


async def test_a_nul_rejects_its_row_and_the_rest_is_stored(
    metrics: httpx.AsyncClient, world: World
) -> None:
    contract_id, _ = await world.ids(queues=["nul-q"])
    await metrics.post("/v1/sources", json={"name": "nul", "kind": "api"})
    good = {"queue": "nul-q", "channel": "voice", "enqueued_at": "2026-10-01T10:00:00Z",
            "wait_seconds": 1, "outcome": "abandoned"}  # fmt: skip
    records = [
        {**good, "external_id": "ok-1"},
        {**good, "external_id": "bad\u0000id"},
        {**good, "external_id": "ok-2", "agent": "a\u0000b"},
        {**good, "external_id": "ok-3", "attributes": {"k\u0000": "v"}},
        {**good, "external_id": "ok-4", "customer": "+55\u0000"},
    ]
    stored = await metrics.post("/v1/contact-records", json={"source": "nul", "records": records})
    assert stored.status_code == 200, stored.text
    assert stored.json()["inserted"] == 1
    assert [(r["index"], r["field"]) for r in stored.json()["rejections"]] == [
        (1, "external_id"),
        (2, "agent"),
        (3, "attributes"),
        (4, "customer"),
    ]
    span = {"external_id": "s\u0000", "agent": "ana", "state": "available",
            "started_at": "2026-10-01T10:00:00Z", "ended_at": "2026-10-01T10:05:00Z",
            "contract_id": str(contract_id)}  # fmt: skip
    spans = await metrics.post("/v1/agent-activity", json={"source": "nul", "records": [span]})
    assert spans.status_code == 200, spans.text
    assert spans.json()["rejections"][0]["field"] == "external_id"
    kpis = await metrics.get(
        "/v1/kpis",
        params={
            "contract_id": str(contract_id),
            "from": "2026-10-01",
            "to": "2026-10-02",
            "queue": "a\u0000",
        },
    )
    assert kpis.status_code == 422

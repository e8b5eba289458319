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


# A JSON escape of a lone surrogate: valid JSON, but no text PostgreSQL (or UTF-8) can hold.
SURROGATE = "\\ud800"


def _raw(rows: list[str], source: str = "lone") -> bytes:
    return f'{{"source": "{source}", "records": [{", ".join(rows)}]}}'.encode()


async def test_a_lone_surrogate_rejects_its_row_and_the_rest_is_stored(
    metrics: httpx.AsyncClient, world: World
) -> None:
    contract_id, _ = await world.ids(queues=["lone-q"])
    await metrics.post("/v1/sources", json={"name": "lone", "kind": "api"})
    good = ('"queue": "lone-q", "channel": "voice", "enqueued_at": "2026-10-01T10:00:00Z", '
            '"wait_seconds": 1, "outcome": "abandoned"')  # fmt: skip
    rows = [
        f'{{{good}, "external_id": "ok-1"}}',
        f'{{{good}, "external_id": "bad{SURROGATE}"}}',
        f'{{{good}, "external_id": "ok-2", "agent": "a{SURROGATE}"}}',
        f'{{{good}, "external_id": "ok-3", "attributes": {{"k": ["{SURROGATE}"]}}}}',
        f'{{{good}, "external_id": "ok-4", "customer": "+55{SURROGATE}"}}',
    ]
    stored = await metrics.post(
        "/v1/contact-records", content=_raw(rows), headers={"content-type": "application/json"}
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["inserted"] == 1
    assert [(r["index"], r["field"]) for r in stored.json()["rejections"]] == [
        (1, "external_id"),
        (2, "agent"),
        (3, "attributes"),
        (4, "customer"),
    ]

    span = ('"state": "available", "started_at": "2026-10-01T10:00:00Z", '
            f'"ended_at": "2026-10-01T10:05:00Z", "contract_id": "{contract_id}"')  # fmt: skip
    spans = [
        f'{{{span}, "external_id": "s-1", "agent": "ana"}}',
        f'{{{span}, "external_id": "s-2", "agent": "b{SURROGATE}"}}',
    ]
    activity = await metrics.post(
        "/v1/agent-activity", content=_raw(spans), headers={"content-type": "application/json"}
    )
    assert activity.status_code == 200, activity.text
    assert activity.json()["inserted"] == 1
    assert [(r["index"], r["field"]) for r in activity.json()["rejections"]] == [(1, "agent")]


async def test_imports_reject_the_row_holding_nul_or_a_lone_surrogate(
    metrics: httpx.AsyncClient, world: World
) -> None:
    await world.ids(queues=["imp-q"])
    await metrics.post("/v1/sources", json={"name": "files", "kind": "other"})
    csv = (
        "external_id,queue,enqueued_at,wait_seconds,outcome,agent\n"
        "a,imp-q,2026-10-01T12:00:00Z,5,abandoned,\n"
        "b,imp-q,2026-10-01T12:00:00Z,5,abandoned,x\x00y\n"
    )
    response = await metrics.post("/v1/imports/csv", params={"source": "files"}, content=csv)
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 1
    assert [(r["index"], r["field"]) for r in response.json()["rejections"]] == [(3, "agent")]

    contact = (
        '"Channel": "VOICE", "InitiationMethod": "INBOUND", '
        '"DisconnectTimestamp": "2026-10-01T12:02:10Z", '
        '"DisconnectReason": "CUSTOMER_DISCONNECT", '
        '"Queue": {"Name": "imp-q", "EnqueueTimestamp": "2026-10-01T12:01:15Z"}'
    )
    jsonl = "\n".join(
        [
            f'{{{contact}, "ContactId": "j1"}}',
            f'{{{contact}, "ContactId": "j2{SURROGATE}"}}',
            f'{{{contact}, "ContactId": "j3", "Attributes": {{"note": "{SURROGATE}"}}}}',
        ]
    )
    response = await metrics.post(
        "/v1/imports/amazon-connect", params={"source": "files"}, content=jsonl
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 1
    assert [(r["index"], r["field"]) for r in response.json()["rejections"]] == [
        (2, "external_id"),
        (3, "attributes"),
    ]

    queue_log = (
        "1790643800|1.105|imp-q|NONE|ENTERQUEUE||+5511990000003|2\n"
        "1790643803|1.105|imp-q|NONE|ABANDON|1|2|3\n"
        "1790643900|1.107|imp-q|NONE|ENTERQUEUE||+55119\x0000004|1\n"
        "1790643903|1.107|imp-q|NONE|ABANDON|1|2|3\n"
    )
    response = await metrics.post(
        "/v1/imports/asterisk", params={"source": "files"}, content=queue_log
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 1
    assert [r["field"] for r in response.json()["rejections"]] == ["customer"]

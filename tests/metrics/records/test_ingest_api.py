import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TokenFactory, api_client
from tests.metrics.builders import contact, make_source
from tests.world import Calls, World

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def contract(world: World) -> uuid.UUID:
    """A signed contract claiming no queue (records name it)."""
    return (await world.ids())[0]


async def push(client: httpx.AsyncClient, records: list[dict], source: str = "pbx-1") -> dict:
    response = await client.post("/v1/contact-records", json={"source": source, "records": records})
    assert response.status_code == 200, response.text
    return response.json()


class TestBatch:
    async def test_insert_then_resend_is_unchanged(
        self, metrics: httpx.AsyncClient, contract: uuid.UUID
    ) -> None:
        await make_source(metrics)
        records = [
            contact(f"a{i}", T0 + timedelta(minutes=i), contract_id=contract) for i in range(5)
        ]
        first = await push(metrics, records)
        assert (first["inserted"], first["updated"], first["unchanged"]) == (5, 0, 0)
        again = await push(metrics, records)
        assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 5)

    async def test_newer_version_replaces_older_only(
        self, metrics: httpx.AsyncClient, contract: uuid.UUID
    ) -> None:
        await make_source(metrics)
        v1 = contact("x", T0, contract_id=contract, updated_at=T0 + timedelta(minutes=10))
        v2 = {**v1, "acw_seconds": 99, "updated_at": "2026-10-01T12:20:00Z"}
        v0 = {**v1, "acw_seconds": 1, "updated_at": "2026-10-01T12:05:00Z"}
        await push(metrics, [v1])
        result = await push(metrics, [v2, v0])  # newer, then older: the newer stays
        assert (result["inserted"], result["updated"], result["unchanged"]) == (0, 1, 1)
        items = (await metrics.get("/v1/contact-records")).json()["items"]
        assert [(r["external_id"], r["acw_seconds"]) for r in items] == [("x", 99)]

    async def test_bad_rows_are_reported_and_good_rows_kept(
        self, metrics: httpx.AsyncClient, contract: uuid.UUID
    ) -> None:
        await make_source(metrics)
        good = contact("g", T0, contract_id=contract)
        missing_time = {
            k: v for k, v in contact("b1", T0, contract_id=contract).items() if k != "enqueued_at"
        }
        bad_csat = contact("b2", T0, contract_id=contract, csat=9)
        abandon_with_talk = {
            **contact("b3", T0, contract_id=contract, outcome="abandoned"),
            "talk_seconds": 30,
        }
        future = contact("b4", datetime(2999, 1, 1, tzinfo=UTC), contract_id=contract)
        result = await push(
            metrics, [good, missing_time, bad_csat, abandon_with_talk, "nope", future]
        )
        assert (result["inserted"], result["rejected"]) == (1, 5)
        assert [(r["index"], r["field"]) for r in result["rejections"]] == [
            (1, "enqueued_at"),
            (2, "csat"),
            (3, "talk_seconds"),
            (4, "record"),
            (5, "enqueued_at"),
        ]

    async def test_more_than_10000_is_refused(
        self, metrics: httpx.AsyncClient, contract: uuid.UUID
    ) -> None:
        await make_source(metrics)
        record = contact("z", T0, contract_id=contract)
        response = await metrics.post(
            "/v1/contact-records", json={"source": "pbx-1", "records": [record] * 10_001}
        )
        assert response.status_code == 422

    async def test_unknown_source_is_404(self, metrics: httpx.AsyncClient) -> None:
        response = await metrics.post("/v1/contact-records", json={"source": "nope", "records": []})
        assert response.status_code == 404

    async def test_wait_derived_from_times(
        self, metrics: httpx.AsyncClient, contract: uuid.UUID
    ) -> None:
        await make_source(metrics)
        record = contact("w", T0, contract_id=contract)
        del record["wait_seconds"]
        record["answered_at"] = "2026-10-01T12:00:17.600Z"
        await push(metrics, [record])
        (item,) = (await metrics.get("/v1/contact-records")).json()["items"]
        assert item["wait_seconds"] == 18


class TestQueueResolution:
    async def test_queue_only_records_are_resolved_through_contracts(
        self, metrics: httpx.AsyncClient, world: World
    ) -> None:
        contract_id, client_id = await world.ids(queues=["q-resolve"])
        await make_source(metrics)
        result = await push(
            metrics,
            [
                contact("r1", T0, queue="q-resolve"),
                contact("r2", T0, queue="q-nobody"),
            ],
        )
        assert result["inserted"] == 1
        assert result["rejections"][0]["index"] == 1
        assert result["rejections"][0]["field"] == "queue"
        (item,) = (await metrics.get("/v1/contact-records")).json()["items"]
        assert item["contract_id"] == str(contract_id)
        assert item["client_id"] == str(client_id)

    async def test_named_contract_is_looked_up_once_per_batch(
        self, metrics: httpx.AsyncClient, contracts_calls: Calls, contract: uuid.UUID
    ) -> None:
        """A named contract is checked (it exists, its client) once, and its queue once per
        hour, for the whole batch."""
        await make_source(metrics)
        before = len(contracts_calls.seen)
        await push(metrics, [contact(f"n{i}", T0, contract_id=contract) for i in range(20)])
        assert len(contracts_calls.seen) - before == 2

    async def test_a_contract_listing_its_queue_needs_one_call_for_a_long_batch(
        self, metrics: httpx.AsyncClient, contracts_calls: Calls, world: World
    ) -> None:
        """Records naming a contract whose terms list their queue need no queue look-up (one
        contract claims a queue at a time): one call for a batch spanning days."""
        contract_id, _ = await world.ids(queues=["support"])
        await make_source(metrics)
        before = len(contracts_calls.seen)
        records = [
            contact(f"l{i}", T0 + timedelta(hours=3 * i), contract_id=contract_id)
            for i in range(40)
        ]
        assert (await push(metrics, records))["inserted"] == 40
        assert contracts_calls.seen[before:] == [f"GET /v1/contracts/{contract_id}/service-terms"]

    async def test_a_sparse_month_is_resolved_with_one_request(
        self, metrics: httpx.AsyncClient, contracts_calls: Calls, world: World
    ) -> None:
        """Records over a month, several queues and hours: one queue-claims request resolves
        them all (it used to cost one look-up per queue and hour); the contract that starts
        mid-month takes its queue's records from its first local day only, and only the
        refused records' queue and hours are looked up singly, for the reason."""
        steady, _ = await world.ids(queues=["sp-voice", "sp-chat"])
        late, _ = await world.ids(
            queues=["sp-late"], start_date="2026-10-15", time_zone="America/Sao_Paulo"
        )
        await make_source(metrics)
        queues = ["sp-voice", "sp-chat", "sp-late"]
        records = [
            contact(f"s{i}", T0 + timedelta(hours=7 * i), queue=queues[i % 3]) for i in range(100)
        ]
        before = len(contracts_calls.seen)
        result = await push(metrics, records)
        assert contracts_calls.seen[before:] == ["POST /v1/contracts/queue-claims"] + [
            "GET /v1/contracts/queue-lookup"
        ] * sum(
            1
            for r in records
            if r["queue"] == "sp-late" and r["enqueued_at"] < "2026-10-15T03:00:00Z"
        )
        late_starts = datetime(2026, 10, 15, 3, tzinfo=UTC)  # midnight in São Paulo
        expected = {
            r["external_id"]: str(steady if r["queue"] != "sp-late" else late)
            for r in records
            if r["queue"] != "sp-late" or datetime.fromisoformat(r["enqueued_at"]) >= late_starts
        }
        assert result["inserted"] == len(expected)
        assert all("starts on 2026-10-15" in r["message"] for r in result["rejections"])
        stored = {}
        cursor = None
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = (await metrics.get("/v1/contact-records", params=params)).json()
            stored |= {r["external_id"]: r["contract_id"] for r in page["items"]}
            if not (cursor := page["next_cursor"]):
                break
        assert stored == expected


class TestTenants:
    async def test_partner_pushes_only_into_its_clients_contracts(
        self,
        metrics_app: FastAPI,
        metrics: httpx.AsyncClient,
        world: World,
        token: TokenFactory,
    ) -> None:
        mine, client_id = await world.ids(queues=["q-mine"])
        theirs, _ = await world.ids(queues=["q-theirs"])
        await make_source(metrics, "partner-pbx", client_id=str(client_id))
        async with api_client(metrics_app, token("partner", client_id=client_id)) as partner:
            result = await push(
                partner,
                [
                    contact("p1", T0, queue="q-mine"),
                    contact("p2", T0, queue="q-theirs"),
                ],
                source="partner-pbx",
            )
            assert result["inserted"] == 1
            assert result["rejections"][0]["index"] == 1
            listed = (await partner.get("/v1/contact-records")).json()["items"]
            assert [r["external_id"] for r in listed] == ["p1"]
        assert mine != theirs

    async def test_client_role_cannot_ingest(
        self, metrics_app: FastAPI, metrics: httpx.AsyncClient, token: TokenFactory
    ) -> None:
        async with api_client(metrics_app, token("client", client_id=uuid.uuid4())) as client:
            response = await client.post("/v1/contact-records", json={"source": "x", "records": []})
            assert response.status_code == 403


class TestListing:
    async def test_client_lists_its_contract_records(
        self,
        metrics_app: FastAPI,
        metrics: httpx.AsyncClient,
        world: World,
        token: TokenFactory,
    ) -> None:
        mine, client_id = await world.ids()
        theirs, _ = await world.ids()
        await make_source(metrics)
        await push(
            metrics, [contact("m", T0, contract_id=mine), contact("t", T0, contract_id=theirs)]
        )
        async with api_client(metrics_app, token("client", client_id=client_id)) as client:
            own = await client.get("/v1/contact-records", params={"contract_id": str(mine)})
            assert [r["external_id"] for r in own.json()["items"]] == ["m"]
            other = await client.get("/v1/contact-records", params={"contract_id": str(theirs)})
            assert other.status_code == 404
            # The record carries its contract's client, so client-wide listing finds it too.
            listed = (await client.get("/v1/contact-records")).json()["items"]
            assert [r["external_id"] for r in listed] == ["m"]


async def test_a_batch_mixing_new_known_and_moved_records_stores_each_once(
    metrics: httpx.AsyncClient, world: World
) -> None:
    """The first try stores a batch as if every key were new; one known key sends the whole
    batch the careful way, which must still keep the new rows, skip the resent one, and move
    an updated record to its new month without leaving the old version (or its rollups)."""
    from tests.metrics import brute

    contract_id, _ = await world.ids()
    await make_source(metrics)
    october = [
        contact(f"m{i}", T0 + timedelta(minutes=9 * i), contract_id=contract_id, wait=4 * i)
        for i in range(6)
    ]
    assert (await push(metrics, october))["inserted"] == 6
    moved = contact(
        "m1",
        datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        contract_id=contract_id,
        outcome="abandoned",
        wait=33,
        updated_at=datetime(2026, 11, 2, 9, 5, tzinfo=UTC),
    )
    fresh = contact("m9", T0 + timedelta(hours=3), contract_id=contract_id, wait=50)
    result = await push(metrics, [october[0], moved, fresh])
    assert (result["inserted"], result["updated"], result["unchanged"]) == (1, 1, 1)

    listed = await metrics.get("/v1/contact-records", params={"contract_id": str(contract_id)})
    stored = sorted((r["external_id"], r["enqueued_at"][:10]) for r in listed.json()["items"])
    assert stored == sorted(
        [(f"m{i}", "2026-10-01") for i in (0, 2, 3, 4, 5, 9)] + [("m1", "2026-11-02")]
    )
    for month_from, month_to, expected in (
        ("2026-10-01", "2026-11-01", [r for r in october if r["external_id"] != "m1"] + [fresh]),
        ("2026-11-01", "2026-12-01", [moved]),
    ):
        kpis = await metrics.get(
            "/v1/kpis",
            params={
                "contract_id": str(contract_id),
                "from": month_from,
                "to": month_to,
                "granularity": "total",
                "time_zone": "UTC",
            },
        )
        assert kpis.status_code == 200, kpis.text
        (bucket,) = kpis.json()["buckets"]
        assert bucket["counts"]["offered"] == len(expected)
        metrics_now = {k: v for k, v in bucket["metrics"].items() if k != "occupancy"}
        assert metrics_now == brute.metrics(expected)

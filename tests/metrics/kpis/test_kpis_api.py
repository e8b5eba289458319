"""KPIs through the API against an independent brute-force computation of the same records:
a month for a contract in a time zone with DST-free negative offset and one with a 30-minute
offset, batches sent twice, records updated, every granularity, grouping and variant."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.metrics import brute
from tests.metrics.builders import make_source, random_contacts
from tests.world import World

VARIANTS = (
    "answered_over_offered",
    "answered_over_answered",
    "abandons_within_threshold_met",
    "abandons_within_threshold_ignored",
)


async def push(client: httpx.AsyncClient, records: list[dict[str, Any]]) -> dict[str, Any]:
    response = await client.post("/v1/contact-records", json={"source": "pbx", "records": records})
    assert response.status_code == 200, response.text
    return response.json()


async def load_month(
    client: httpx.AsyncClient,
    contract_id: object,
    tz: str,
    seed: int,
    count: int = 1500,
    queues: tuple[str, ...] = ("support", "sales"),
) -> list[dict[str, Any]]:
    """Push a month with resends and updates; answer everything sent, in order."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, tzinfo=ZoneInfo(tz)).astimezone(UTC) - timedelta(hours=6)
    records = random_contacts(
        rng, count, start=start, days=32, contract_id=contract_id, queues=queues
    )
    sent: list[dict[str, Any]] = []
    for i in range(0, len(records), 500):
        batch = records[i : i + 500]
        await push(client, batch)
        sent += batch
    await push(client, records[:500])  # a batch sent twice
    sent += records[:500]
    updates = []
    for r in rng.sample(records, 200):  # later versions: outcome, wait, queue, even the time
        newer = dict(r)
        later = datetime.fromisoformat(r["updated_at"].replace("Z", "+00:00")) + timedelta(hours=2)
        newer["updated_at"] = later.isoformat()
        newer["wait_seconds"] = rng.choice([4, 20, 25, 40])
        newer["queue"] = rng.choice(["support", "sales"])
        if rng.random() < 0.3:
            moved = datetime.fromisoformat(r["enqueued_at"].replace("Z", "+00:00"))
            newer["enqueued_at"] = (moved + timedelta(days=rng.choice([-3, 2]))).isoformat()
        if r["outcome"] == "answered" and rng.random() < 0.5:
            newer.update(outcome="abandoned", talk_seconds=0, hold_seconds=0, acw_seconds=0)
        updates.append(newer)
    result = await push(client, updates)
    assert result["updated"] == 200
    stale = [  # older versions than what is held
        dict(r, wait_seconds=999, updated_at=r["enqueued_at"]) for r in records[:50]
    ]
    result = await push(client, stale)
    assert result["unchanged"] == 50
    sent += updates + stale
    return sent


@pytest.fixture
async def month(
    metrics: httpx.AsyncClient, world: World, request: pytest.FixtureRequest
) -> tuple[object, str, list[dict[str, Any]]]:
    tz = request.param
    # The contract lists the queues its records name, as a real one does: a record naming a
    # contract that does not list its queue costs a queue look-up per queue and hour.
    suffix = uuid.uuid4().hex[:8]
    queues = (f"support-{suffix}", f"sales-{suffix}")
    contract_id, _ = await world.ids(time_zone=tz, queues=queues)
    await make_source(metrics, "pbx")
    sent = await load_month(metrics, contract_id, tz, seed=hash(tz) % 1000, queues=queues)
    return contract_id, tz, brute.latest(sent)


def expected_buckets(
    records: list[dict[str, Any]],
    tz: str,
    granularity: str,
    start: datetime,
    end: datetime,
    group_by: str | None,
) -> dict[tuple[str, Any], list[dict[str, Any]]]:
    zone = ZoneInfo(tz)
    inside = [r for r in records if start <= brute.when(r) < end]
    return brute.group(
        inside,
        lambda r: (
            brute.local_bucket(brute.when(r), granularity, zone).astimezone(UTC).isoformat(),
            r.get(group_by) if group_by else None,
        ),
    )


def bucket_key(bucket: dict[str, Any]) -> tuple[str, Any]:
    start = datetime.fromisoformat(bucket["start"]).astimezone(UTC).isoformat()
    return start, bucket["group"]


@pytest.mark.parametrize("month", ["America/Sao_Paulo", "Asia/Kolkata"], indirect=True)
class TestKpisMatchBruteForce:
    @pytest.mark.parametrize(
        ("granularity", "group_by"),
        [("day", None), ("week", "queue"), ("month", "channel"), ("hour", None), ("day", "agent")],
    )
    async def test_every_metric_and_variant(
        self,
        metrics: httpx.AsyncClient,
        month: tuple[object, str, list[dict[str, Any]]],
        granularity: str,
        group_by: str | None,
    ) -> None:
        contract_id, tz, records = month
        params: dict[str, Any] = {
            "contract_id": str(contract_id),
            "from": "2026-10-01",
            "to": "2026-11-01",
            "granularity": granularity,
            "threshold": [20, 30],
            "short_abandon_seconds": 3,
        }
        if group_by:
            params["group_by"] = group_by
        response = await metrics.get("/v1/kpis", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["computed_from"] == ("raw_records" if group_by == "agent" else "rollups")
        zone = ZoneInfo(tz)
        start = datetime(2026, 10, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(2026, 11, 1, tzinfo=zone).astimezone(UTC)
        expected = expected_buckets(records, tz, granularity, start, end, group_by)
        assert {bucket_key(b) for b in body["buckets"]} == set(expected)
        for bucket in body["buckets"]:
            rs = expected[bucket_key(bucket)]
            assert bucket["counts"]["offered"] == len(rs)
            want = brute.metrics(rs, short=3)
            got = {k: v for k, v in bucket["metrics"].items() if k != "occupancy"}
            assert got == want
            for level in bucket["service_level"]:
                assert {k: level[k] for k in ("value", "numerator", "denominator")} == (
                    brute.service_level(rs, level["threshold_seconds"], level["variant"], short=3)
                ), level

    @pytest.mark.parametrize("strict", [False, True])
    async def test_strict_flow_outs_and_long_thresholds(
        self,
        metrics: httpx.AsyncClient,
        month: tuple[object, str, list[dict[str, Any]]],
        strict: bool,
    ) -> None:
        contract_id, tz, records = month
        for thresholds, source in (([20, 600], "rollups"), ([20, 700], "raw_records")):
            response = await metrics.get(
                "/v1/kpis",
                params={
                    "contract_id": str(contract_id),
                    "from": "2026-10-05",
                    "to": "2026-10-20",
                    "granularity": "total",
                    "threshold": thresholds,
                    "strict": strict,
                    "include_flow_outs": True,
                },
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["computed_from"] == source
            zone = ZoneInfo(tz)
            start = datetime(2026, 10, 5, tzinfo=zone).astimezone(UTC)
            end = datetime(2026, 10, 20, tzinfo=zone).astimezone(UTC)
            rs = [r for r in records if start <= brute.when(r) < end]
            (bucket,) = body["buckets"]
            for level in bucket["service_level"]:
                assert level["value"] is not None
                assert {k: level[k] for k in ("value", "numerator", "denominator")} == (
                    brute.service_level(
                        rs,
                        level["threshold_seconds"],
                        level["variant"],
                        strict=strict,
                        flow_outs=True,
                    )
                )


class TestNoData:
    async def test_empty_range_has_no_buckets_and_null_values(
        self, metrics: httpx.AsyncClient, world: World
    ) -> None:
        contract_id, _ = await world.ids()
        response = await metrics.get(
            "/v1/kpis",
            params={"contract_id": str(contract_id), "from": "2026-10-01", "to": "2026-10-02"},
        )
        assert response.status_code == 200
        assert response.json()["buckets"] == []


class TestTenants:
    async def test_client_reads_its_contract_not_anothers(
        self,
        metrics_app: object,
        metrics: httpx.AsyncClient,
        world: World,
        token: object,
    ) -> None:
        from tests.conftest import api_client

        mine, client_id = await world.ids()
        theirs, _ = await world.ids()
        await make_source(metrics, "pbx")  # an operator-wide source: records carry no client
        start = datetime(2026, 10, 2, 12, tzinfo=UTC)
        records = random_contacts(
            random.Random(5), 30, start=start, days=1, contract_id=mine, prefix="m"
        ) + random_contacts(
            random.Random(6), 30, start=start, days=1, contract_id=theirs, prefix="t"
        )
        await push(metrics, records)
        params = {"from": "2026-10-01", "to": "2026-10-05", "granularity": "total"}
        async with api_client(metrics_app, token("client", client_id=client_id)) as client:
            own = await client.get("/v1/kpis", params={**params, "contract_id": str(mine)})
            assert own.status_code == 200
            assert own.json()["buckets"][0]["counts"]["contacts"] == 30
            other = await client.get("/v1/kpis", params={**params, "contract_id": str(theirs)})
            assert other.status_code == 404


class TestScopes:
    async def test_channel_and_queue_scopes_across_contracts(
        self, metrics: httpx.AsyncClient, world: World
    ) -> None:
        first, _ = await world.ids()
        second, _ = await world.ids()
        await make_source(metrics, "pbx")
        start = datetime(2026, 10, 2, 12, tzinfo=UTC)
        records = random_contacts(
            random.Random(8), 40, start=start, days=1, contract_id=first, prefix="f"
        ) + random_contacts(
            random.Random(9), 40, start=start, days=1, contract_id=second, prefix="s"
        )
        await push(metrics, records)
        for params, keep in (
            ({"channel": "chat"}, lambda r: r["channel"] == "chat"),
            ({"queue": "sales"}, lambda r: r["queue"] == "sales"),
        ):
            response = await metrics.get(
                "/v1/kpis",
                params={**params, "from": "2026-10-01", "to": "2026-10-05", "granularity": "total"},
            )
            assert response.status_code == 200, response.text
            (bucket,) = response.json()["buckets"]
            assert bucket["counts"]["contacts"] == sum(1 for r in records if keep(r))

    async def test_no_scope_is_refused(self, metrics: httpx.AsyncClient) -> None:
        response = await metrics.get("/v1/kpis", params={"from": "2026-10-01", "to": "2026-10-02"})
        assert response.status_code == 422

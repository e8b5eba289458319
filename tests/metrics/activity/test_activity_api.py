from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.metrics import brute
from tests.metrics.builders import contact, make_source
from tests.metrics.records.test_ingest_api import T0, push
from tests.world import World


class TestAgentActivity:
    async def test_occupancy_from_activity(self, metrics: httpx.AsyncClient, world: World) -> None:
        contract_id, _ = await world.ids()
        await make_source(metrics)
        spans = [
            ("on_contact", "2026-10-01T12:00:00Z", "2026-10-01T12:40:00Z"),
            ("after_contact_work", "2026-10-01T12:40:00Z", "2026-10-01T12:45:00Z"),
            ("available", "2026-10-01T12:45:00Z", "2026-10-01T13:00:00Z"),
            ("break", "2026-10-01T13:00:00Z", "2026-10-01T13:30:00Z"),
        ]
        activity = [
            {
                "external_id": f"s{i}",
                "contract_id": str(contract_id),
                "agent": "ana",
                "state": state,
                "started_at": a,
                "ended_at": b,
            }
            for i, (state, a, b) in enumerate(spans)
        ]
        pushed = await metrics.post(
            "/v1/agent-activity", json={"source": "pbx-1", "records": activity}
        )
        assert pushed.json()["inserted"] == 4
        again = await metrics.post(
            "/v1/agent-activity", json={"source": "pbx-1", "records": activity}
        )
        assert again.json()["unchanged"] == 4
        await push(metrics, [contact("o1", T0, contract_id=contract_id)])
        kpis = await metrics.get(
            "/v1/kpis",
            params={
                "contract_id": str(contract_id),
                "from": "2026-10-01T12:00:00Z",
                "to": "2026-10-01T14:00:00Z",
                "granularity": "hour",
            },
        )
        (bucket,) = kpis.json()["buckets"]
        assert bucket["metrics"]["occupancy"] == {
            "value": "0.750000",
            "numerator": 2700,
            "denominator": 3600,
        }


# Agents of a contract on 2026-10-01 (UTC). ana is logged into two queues (the platform
# reports her state per queue); bia works sales chat and then untagged; carl is untagged only.
SPANS = [
    ("a1", "ana", "available", "12:00", "12:10", "support", "voice"),
    ("a2", "ana", "available", "12:00", "12:30", "sales", "voice"),
    ("a3", "ana", "on_contact", "12:10", "12:22:30", "support", "voice"),  # crosses 12:15
    ("a4", "ana", "after_contact_work", "12:22:30", "12:25", "support", "voice"),
    ("a5", "ana", "available", "12:30", "12:35", "support", None),  # queue, no channel
    ("b1", "bia", "available", "12:00", "12:20", "sales", "chat"),
    ("b2", "bia", "on_contact", "12:20", "12:40", "sales", "chat"),  # crosses 12:30
    ("b3", "bia", "break", "12:40", "12:50", None, None),
    ("b4", "bia", "on_contact", "12:50", "13:00", None, None),
    ("b5", "bia", "available", "13:00", "13:10", None, None),
    ("c1", "carl", "available", "12:00", "12:30", None, None),
    ("c2", "carl", "on_contact", "12:30", "12:45", None, None),
]
FROM, TO = datetime(2026, 10, 1, 12, tzinfo=UTC), datetime(2026, 10, 1, 13, 15, tzinfo=UTC)
QUEUES, CHANNELS = ("support", "sales", "billing"), ("voice", "chat")


def spans(contract_id: object, day: str = "2026-10-01") -> list[dict[str, Any]]:
    out = []
    for external_id, agent, state, a, b, queue, channel in SPANS:
        body: dict[str, Any] = {
            "external_id": f"{external_id}-{day}",
            "contract_id": str(contract_id),
            "agent": agent,
            "state": state,
            "started_at": f"{day}T{a if a.count(':') == 2 else a + ':00'}Z",
            "ended_at": f"{day}T{b if b.count(':') == 2 else b + ':00'}Z",
        }
        if queue is not None:
            body["queue"] = queue
        if channel is not None:
            body["channel"] = channel
        out.append(body)
    return out


async def push_spans(metrics: httpx.AsyncClient, rows: list[dict[str, Any]]) -> dict[str, Any]:
    response = await metrics.post("/v1/agent-activity", json={"source": "pbx-1", "records": rows})
    assert response.status_code == 200, response.text
    return response.json()


async def load(metrics: httpx.AsyncClient, contract_id: object) -> list[dict[str, Any]]:
    """The spans, and a contact in every quarter hour, queue and channel (KPI buckets are
    those with contacts)."""
    await make_source(metrics)
    rows = spans(contract_id)
    assert (await push_spans(metrics, rows))["inserted"] == len(rows)
    contacts = [
        contact(
            f"k{i}-{q}-{c}",
            FROM + timedelta(minutes=15 * i),
            contract_id=contract_id,
            queue=q,
            channel=c,
        )
        for i in range(5)
        for q in QUEUES
        for c in CHANNELS
    ]
    await push(metrics, contacts)
    return rows


async def kpis(metrics: httpx.AsyncClient, contract_id: object, **params: Any) -> list[dict]:
    response = await metrics.get(
        "/v1/kpis",
        params={
            "contract_id": str(contract_id),
            "from": brute_iso(FROM),
            "to": brute_iso(TO),
            **params,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["buckets"]


def brute_iso(ts: datetime) -> str:
    return ts.isoformat().replace("+00:00", "Z")


def expected(
    rows: list[dict[str, Any]], granularity: str, **filters: Any
) -> dict[tuple[Any, Any], dict[str, Any]]:
    def bucket(ts: datetime) -> Any:
        if granularity == "total":
            return None
        return brute.local_bucket(ts, granularity, ZoneInfo("UTC")).astimezone(UTC)

    seconds = brute.occupancy(rows, start=FROM, end=TO, bucket=bucket, **filters)
    return {key: brute.fig(h, h + a) for key, (h, a) in seconds.items()}


def got(buckets: list[dict], granularity: str) -> dict[tuple[Any, Any], dict[str, Any]]:
    return {
        (
            None if granularity == "total" else datetime.fromisoformat(b["start"]),
            b["group"],
        ): b["metrics"]["occupancy"]
        for b in buckets
    }


NO_DATA = {"value": None, "numerator": 0, "denominator": 0}


class TestOccupancyByQueueAndChannel:
    @pytest.mark.parametrize(
        ("granularity", "params", "filters"),
        [
            ("15min", {}, {}),
            ("total", {"queue": "support"}, {"queues": ["support"]}),
            ("15min", {"queue": ["support", "sales"]}, {"queues": ["support", "sales"]}),
            ("15min", {"channel": "voice"}, {"channels": ["voice"]}),
            ("hour", {"group_by": "queue"}, {"group_by": "queue"}),
            ("15min", {"group_by": "channel"}, {"group_by": "channel"}),
            (
                "15min",
                {"queue": "support", "channel": "voice"},
                {"queues": ["support"], "channels": ["voice"]},
            ),
            (
                "total",
                {"queue": "sales", "group_by": "agent"},
                {"queues": ["sales"], "group_by": "agent"},
            ),
        ],
    )
    async def test_matches_the_spans(
        self,
        metrics: httpx.AsyncClient,
        world: World,
        granularity: str,
        params: dict[str, Any],
        filters: dict[str, Any],
    ) -> None:
        contract_id, _ = await world.ids()
        rows = await load(metrics, contract_id)
        buckets = await kpis(metrics, contract_id, granularity=granularity, **params)
        want = expected(rows, granularity, **filters)
        answered = got(buckets, granularity)
        assert answered, "no buckets"
        assert answered == {key: want.get(key, NO_DATA) for key in answered}
        # Every figure the spans give appears where there are contacts (all but agents).
        if filters.get("group_by") != "agent":
            assert set(want) <= set(answered)

    async def test_figures_worked_by_hand(self, metrics: httpx.AsyncClient, world: World) -> None:
        contract_id, _ = await world.ids()
        await load(metrics, contract_id)

        async def total(**params: Any) -> dict[str, Any]:
            (bucket,) = await kpis(metrics, contract_id, granularity="total", **params)
            return bucket["metrics"]["occupancy"]

        # Everyone, each agent-second once: handling ana 12:10-12:25, bia 12:20-12:40 and
        # 12:50-13:00, carl 12:30-12:45 = 3600 s; available ana 12:00-12:10 and 12:25-12:35,
        # bia 12:00-12:20 and 13:00-13:10, carl 12:00-12:30 = 4800 s.
        assert await total() == {"value": "0.428571", "numerator": 3600, "denominator": 8400}
        # Support: ana's contact 900 s; her support availability 12:00-12:10 and 12:30-12:35.
        assert await total(queue="support") == {
            "value": "0.500000",
            "numerator": 900,
            "denominator": 1800,
        }
        # Sales: ana is available to sales 12:00-12:30 except while on her support contact
        # (600 + 300 s); bia 1200 s available, 1200 s on contact.
        assert await total(queue="sales") == {
            "value": "0.363636",
            "numerator": 1200,
            "denominator": 3300,
        }
        # Voice leaves out the support span that names no channel.
        assert await total(channel="voice") == {
            "value": "0.500000",
            "numerator": 900,
            "denominator": 1800,
        }
        assert await total(channel="chat") == {
            "value": "0.500000",
            "numerator": 1200,
            "denominator": 2400,
        }
        # Contacts of billing, but no activity names it: no data, never a made-up share.
        assert await total(queue="billing") == NO_DATA
        by_quarter = {
            datetime.fromisoformat(b["start"]).strftime("%H:%M"): b["metrics"]["occupancy"]
            for b in await kpis(metrics, contract_id, granularity="15min")
        }
        # ana's contact 12:10-12:22:30 is cut at 12:15.
        assert by_quarter["12:00"] == {
            "value": "0.111111",
            "numerator": 300,
            "denominator": 2700,
        }
        assert by_quarter["12:15"] == {
            "value": "0.444444",
            "numerator": 1200,
            "denominator": 2700,
        }

    async def test_a_newer_version_moves_a_span_to_another_queue(
        self, metrics: httpx.AsyncClient, world: World
    ) -> None:
        contract_id, _ = await world.ids()
        rows = await load(metrics, contract_id)
        moved = {**rows[2], "queue": "sales", "updated_at": "2026-10-02T00:00:00Z"}
        result = await push_spans(metrics, [moved])
        assert (result["inserted"], result["updated"]) == (0, 1)
        rows[2] = moved
        for queue in ("support", "sales"):
            (bucket,) = await kpis(metrics, contract_id, granularity="total", queue=queue)
            (want,) = expected(rows, "total", queues=[queue]).values()
            assert bucket["metrics"]["occupancy"] == want


class TestValidation:
    async def test_queue_and_channel_are_checked_per_row(
        self, metrics: httpx.AsyncClient, world: World
    ) -> None:
        contract_id, _ = await world.ids()
        await make_source(metrics)
        good = spans(contract_id)[0]
        rows = [
            good,
            {**good, "external_id": "x1", "queue": ""},
            {**good, "external_id": "x2", "channel": "Voice Calls"},
            {**good, "external_id": "x3", "queue": "q" * 201},
            {**good, "external_id": "x4", "channel": 7},
            {**good, "external_id": "x5", "queue": None, "channel": None},
        ]
        result = await push_spans(metrics, rows)
        assert (result["inserted"], result["rejected"]) == (2, 4)
        assert [(r["index"], r["field"]) for r in result["rejections"]] == [
            (1, "queue"),
            (2, "channel"),
            (3, "queue"),
            (4, "channel"),
        ]

    async def test_a_bad_batch_is_a_field_named_422(self, metrics: httpx.AsyncClient) -> None:
        response = await metrics.post("/v1/agent-activity", json={"source": "", "records": []})
        assert response.status_code == 422
        assert "source" in response.text

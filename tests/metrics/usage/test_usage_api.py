from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.metrics import brute
from tests.metrics.activity.test_activity_api import push_spans, spans
from tests.metrics.builders import contact
from tests.metrics.kpis.test_kpis_api import load_month, make_source, push
from tests.world import World

TZ = "America/Sao_Paulo"


def billed_minutes(records: list[dict[str, Any]], increment: int) -> str:
    seconds = sum(-(-brute.handle(r) // increment) * increment for r in records)
    return str((Decimal(seconds) / 60).quantize(Decimal("0.0001"), ROUND_HALF_UP))


@pytest.mark.parametrize("increment", [1, 6, 60])
async def test_usage_matches_brute_force(
    metrics: httpx.AsyncClient, world: World, increment: int
) -> None:
    contract_id, _ = await world.ids(time_zone=TZ)
    await make_source(metrics, "pbx")
    sent = await load_month(metrics, contract_id, TZ, seed=11, count=800)
    start = datetime(2026, 10, 10, 15, tzinfo=UTC)
    outbound = [
        contact(
            f"out{i}",
            start + timedelta(minutes=i),
            contract_id=contract_id,
            direction="outbound",
            wait=0,
            talk=61 + i,
            acw=5,
        )
        for i in range(5)
    ]
    await push(metrics, outbound)
    activity = [
        {
            "external_id": "a1",
            "contract_id": str(contract_id),
            "agent": "x",
            "state": "available",
            "started_at": "2026-10-02T12:00:00Z",
            "ended_at": "2026-10-02T13:30:00Z",
        },
        {
            "external_id": "a2",
            "contract_id": str(contract_id),
            "agent": "x",
            "state": "break",
            "started_at": "2026-10-02T13:30:00Z",
            "ended_at": "2026-10-02T14:00:00Z",
        },
        {
            "external_id": "a3",
            "contract_id": str(contract_id),
            "agent": "x",
            "state": "on_contact",
            "started_at": "2026-10-02T14:00:00Z",
            "ended_at": "2026-10-02T14:45:00Z",
        },
    ]
    pushed = await metrics.post("/v1/agent-activity", json={"source": "pbx", "records": activity})
    assert pushed.json()["inserted"] == 3
    response = await metrics.get(
        "/v1/usage",
        params={
            "contract_id": str(contract_id),
            "period": "2026-10",
            "increment_seconds": increment,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    zone = ZoneInfo(TZ)
    lo = datetime(2026, 10, 1, tzinfo=zone)
    hi = datetime(2026, 11, 1, tzinfo=zone)
    records = [r for r in brute.latest(sent + outbound) if lo <= brute.when(r) < hi]
    handled = [r for r in records if r["outcome"] == "answered"]
    inbound = [r for r in records if r.get("direction", "inbound") == "inbound"]
    assert body["handled_contacts"] == len(handled)
    assert body["handled_minutes"] == billed_minutes(handled, increment)
    assert body["offered_contacts"] == len(inbound)
    assert body["productive_agent_hours"] == "2.2500"
    for channel, figures in body["by_channel"].items():
        mine = [r for r in handled if r["channel"] == channel]
        assert figures["handled_contacts"] == len(mine)
        assert figures["handled_minutes"] == billed_minutes(mine, increment)
    assert (body["period_start"], body["period_end"]) == ("2026-10-01", "2026-10-31")


async def test_productive_hours_count_each_agent_second_once(
    metrics: httpx.AsyncClient, world: World
) -> None:
    """Spans reported per queue overlap; an agent-hour is billed once."""
    contract_id, _ = await world.ids()
    await make_source(metrics, "pbx-1")
    await push_spans(metrics, spans(contract_id))
    response = await metrics.get(
        "/v1/usage",
        params={"contract_id": str(contract_id), "period": "2026-10", "increment_seconds": 60},
    )
    assert response.status_code == 200, response.text
    # ana 12:00-12:35, bia 12:00-12:40 and 12:50-13:10, carl 12:00-12:45: 8400 s.
    assert response.json()["productive_agent_hours"] == "2.3333"


async def test_usage_of_a_date_range_inside_the_period(
    metrics: httpx.AsyncClient, world: World
) -> None:
    """Billing prices the part of a month each plan version was in effect for: the days from
    ``from`` to ``to`` (inclusive, local days), and the parts add up to the month."""
    contract_id, _ = await world.ids(time_zone=TZ)
    await make_source(metrics, "pbx")
    sent = await load_month(metrics, contract_id, TZ, seed=5, count=400)
    zone = ZoneInfo(TZ)
    latest = brute.latest(sent)
    url, base = "/v1/usage", {"contract_id": str(contract_id), "period": "2026-10"}
    halves = []
    for low, high in ((1, 15), (16, 31)):
        params = {**base, "increment_seconds": 6, "from": f"2026-10-{low:02d}"}
        params["to"] = f"2026-10-{high:02d}"
        response = await metrics.get(url, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        lo = datetime(2026, 10, low, tzinfo=zone)
        hi = datetime(2026, 10, high, tzinfo=zone) + timedelta(days=1)
        handled = [r for r in latest if lo <= brute.when(r) < hi and r["outcome"] == "answered"]
        assert body["handled_contacts"] == len(handled) > 0
        assert body["handled_minutes"] == billed_minutes(handled, 6)
        assert (body["from"], body["to"]) == (params["from"], params["to"])
        assert (body["period_start"], body["period_end"]) == ("2026-10-01", "2026-10-31")
        halves.append(body)
    whole = (await metrics.get(url, params={**base, "increment_seconds": 6})).json()
    assert (whole["from"], whole["to"]) == ("2026-10-01", "2026-10-31")
    assert whole["handled_contacts"] == sum(h["handled_contacts"] for h in halves)
    assert Decimal(whole["handled_minutes"]) == sum(Decimal(h["handled_minutes"]) for h in halves)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-10-01"}, "to"),
        ({"to": "2026-10-01"}, "from"),
        ({"from": "2026-09-30", "to": "2026-10-03"}, "from"),
        ({"from": "2026-10-05", "to": "2026-10-04"}, "to"),
        ({"from": "2026-10-05", "to": "2026-11-01"}, "to"),
    ],
)
async def test_a_range_must_lie_inside_the_period(
    metrics: httpx.AsyncClient, world: World, params: dict[str, str], field: str
) -> None:
    contract_id, _ = await world.ids(time_zone=TZ)
    response = await metrics.get(
        "/v1/usage", params={"contract_id": str(contract_id), "period": "2026-10", **params}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field

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

"""Days at the ends of the calendar answer 422 in metrics too, never a 500 (date arithmetic
overflowing) or a 502 (a day the contracts service refuses)."""

import httpx
import pytest

from tests.world import World


def names(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.text


@pytest.mark.parametrize("day", ["0644-09-16", "9999-12-31", "0001-01-01"])
async def test_staffing_feasibility_refuses_days_outside_the_calendar(
    metrics: httpx.AsyncClient, world: World, day: str
) -> None:
    contract_id, _ = await world.ids()
    body = {
        "contract_id": str(contract_id),
        "on": day,
        "intervals": [{"volume": 100, "aht_seconds": 180, "planned_agents": 14}],
    }
    names(await metrics.post("/v1/staffing/feasibility", json=body), "on")


@pytest.mark.parametrize(
    ("low", "high", "field"),
    [
        ("0001-01-01", "0001-01-02", "from"),
        ("9999-12-30", "9999-12-31", "from"),
        ("0001-01-01T00:00:00+05:00", "2026-01-01", "from"),
        ("2026-01-01", "9999-12-31T23:00:00-05:00", "to"),
    ],
)
async def test_kpis_refuse_instants_outside_the_calendar(
    metrics: httpx.AsyncClient, low: str, high: str, field: str
) -> None:
    params = {"from": low, "to": high, "queue": "q", "time_zone": "Asia/Tokyo"}
    response = await metrics.get("/v1/kpis", params=params)
    names(response, field)

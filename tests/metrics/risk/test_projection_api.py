"""SLA projections through the API: at the period's end they are the SLA report's figures;
mid-month, month to date is what the KPIs say for the same contacts and the recovery follows
from the forecast; another client's contract is not found."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from fastapi import FastAPI

from metrics.risk.recovery import Outlook, recover
from metrics.staffing import erlang, erlang_a
from tests.conftest import TokenFactory, api_client
from tests.metrics.builders import contact
from tests.metrics.kpis.test_kpis_api import load_month, make_source
from tests.metrics.sla.test_sla_reports_api import HOLIDAYS, HOURS, SERVICE_LEVELS, TZ, level
from tests.world import World

END = "2026-11-01T03:00:00Z"  # the end of October in São Paulo


async def projection(client: httpx.AsyncClient, contract_id: object, as_of: str) -> dict:
    response = await client.get(
        "/v1/sla-projections",
        params={"contract_id": str(contract_id), "period": "2026-10", "as_of": as_of},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_at_the_period_end_it_is_the_sla_report(
    metrics: httpx.AsyncClient, world: World
) -> None:
    contract_id, _ = await world.ids(
        time_zone=TZ, service_levels=SERVICE_LEVELS, hours=HOURS, holidays=HOLIDAYS
    )
    await make_source(metrics, "pbx")
    await load_month(metrics, contract_id, TZ, seed=11, count=1500)
    report = await metrics.post(
        "/v1/sla-reports", json={"contract_id": str(contract_id), "period": "2026-10"}
    )
    assert report.status_code == 201, report.text
    for as_of in (END, "2026-12-15T00:00:00Z"):  # after the end: the same
        body = await projection(metrics, contract_id, as_of)
        assert body["observed_until"] == END
        assert body["intervals"] == []
        for level_risk, result in zip(body["levels"], report.json()["results"], strict=True):
            mtd = level_risk["month_to_date"]
            assert level_risk["key"] == result["key"]
            assert (mtd["numerator"], mtd["denominator"]) == (
                result["numerator"],
                result["denominator"],
            )
            assert mtd["value"] == result["measured"]
            if result["metric"] == "occupancy" or result["status"] == "no_data":
                continue
            expected = {"met": "secured", "missed": "lost"}[result["status"]]
            assert level_risk["status"] == expected, (result, level_risk)
            assert level_risk["probability_met"] == (1.0 if expected == "secured" else 0.0)


async def test_mid_month_recovery_from_the_history(
    metrics: httpx.AsyncClient, world: World
) -> None:
    """Four weeks of steady history at 75 % answered within 20 s, then ten days of October
    at the same pace: an 80/20 level is at risk (or lost), and what it needs follows from
    month to date and the forecast, exactly."""
    contract_id, _ = await world.ids(
        time_zone="UTC",
        start_date="2026-09-01",
        service_levels=[level("sl", "service_level", "0.80", threshold_seconds=20)],
    )
    await make_source(metrics, "pbx")
    records = []
    day = datetime(2026, 9, 1, tzinfo=UTC)
    n = 0
    while day < datetime(2026, 10, 11, tzinfo=UTC):
        for hour in (9, 10, 11, 14, 15):
            for k in range(4):  # 20 contacts a day, 15 of them within 20 s
                at = day + timedelta(hours=hour, minutes=k * 10)
                records.append(contact(f"h{n}", at, wait=5 if k else 60, contract_id=contract_id))
                n += 1
        day += timedelta(days=1)
    for i in range(0, len(records), 500):
        pushed = await metrics.post(
            "/v1/contact-records", json={"source": "pbx", "records": records[i : i + 500]}
        )
        assert pushed.json()["inserted"] == len(records[i : i + 500]), pushed.text
    body = await projection(metrics, contract_id, "2026-10-10T23:59:00Z")
    assert body["observed_until"] == "2026-10-10T23:45:00Z"
    assert body["history_days"] == 39  # whole days since the contract began: Sep 1 - Oct 9
    (sl,) = body["levels"]
    mtd = sl["month_to_date"]
    assert (mtd["numerator"], mtd["denominator"]) == (150, 200)  # 10 days so far
    forecast = sl["forecast"]
    assert forecast["expected_rate"] == 0.75
    assert forecast["expected_denominator"] == 420.0  # 21 days more at 20 a day
    assert forecast["low"] <= 420 <= forecast["high"]
    recovery = sl["recovery"]
    expected = recover(150, 200, 420, target=Decimal("0.80"), direction="at_least")
    assert recovery["needed"] == expected.needed == 346  # 0.8 x 620 = 496 - 150
    assert recovery["outlook"] == Outlook.reachable
    assert Decimal(recovery["rest_must_reach"]) == Decimal("0.823810")
    assert Decimal(sl["projected_value"]) == Decimal("0.75")
    assert sl["probability_met"] < 0.05 and sl["status"] == "at_risk"
    # the quarter hours ahead: 20 contacts a day in the history's five hours
    ahead = body["intervals"]
    assert ahead[0]["start"] == "2026-10-10T23:45:00Z"
    assert round(sum(i["expected_contacts"] for i in ahead)) == 420
    assert len(ahead) == 21 * 96 + 1


async def test_before_the_period_everything_is_forecast(
    metrics: httpx.AsyncClient, world: World
) -> None:
    contract_id, _ = await world.ids(
        service_levels=[level("sl", "service_level", "0.80", threshold_seconds=20)]
    )
    body = await projection(metrics, contract_id, "2026-09-15T00:00:00Z")
    assert body["observed_until"] == "2026-10-01T00:00:00Z"
    (sl,) = body["levels"]
    assert sl["month_to_date"] == {"value": None, "numerator": 0, "denominator": 0}
    assert sl["status"] == "not_projected"  # no history, no traffic expected


async def test_another_clients_contract_is_not_found(
    metrics_app: FastAPI, world: World, token: TokenFactory
) -> None:
    theirs, _ = await world.ids()
    mine = await world.client()
    async with api_client(metrics_app, token("client", client_id=mine)) as client:
        response = await client.get(
            "/v1/sla-projections",
            params={"contract_id": str(theirs), "period": "2026-10", "as_of": END},
        )
    assert response.status_code == 404


async def test_bad_parameters_are_422(metrics: httpx.AsyncClient, world: World) -> None:
    contract_id, _ = await world.ids()
    for params, field in (
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-10", "as_of": "2026-10-01T00:00:00"}, "as_of"),
    ):
        response = await metrics.get(
            "/v1/sla-projections", params={"contract_id": str(contract_id), **params}
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field


async def test_recovery_staffing_by_erlang_c_and_erlang_a(
    metrics: httpx.AsyncClient, world: World
) -> None:
    """Callers who hang up lighten the queue: Erlang A never staffs more than Erlang C for
    what the rest of the month must reach, with the history's handle time and patience."""
    contract_id, _ = await world.ids(
        time_zone="UTC",
        start_date="2026-09-01",
        service_levels=[level("sl", "service_level", "0.80", threshold_seconds=20)],
    )
    await make_source(metrics, "pbx")
    records = []
    day = datetime(2026, 9, 1, tzinfo=UTC)
    n = 0
    while day < datetime(2026, 10, 11, tzinfo=UTC):
        for minute in range(0, 120, 4):  # 30 contacts between 10:00 and 12:00
            at = day + timedelta(hours=10, minutes=minute)
            kind = n % 10
            if kind < 7:
                records.append(contact(f"s{n}", at, wait=5, contract_id=contract_id))
            elif kind < 9:
                records.append(contact(f"s{n}", at, wait=45, contract_id=contract_id))
            else:
                records.append(
                    contact(f"s{n}", at, wait=40, outcome="abandoned", contract_id=contract_id)
                )
            n += 1
        day += timedelta(days=1)
    for i in range(0, len(records), 500):
        await metrics.post(
            "/v1/contact-records", json={"source": "pbx", "records": records[i : i + 500]}
        )
    response = await metrics.get(
        "/v1/sla-projections",
        params={
            "contract_id": str(contract_id),
            "period": "2026-10",
            "as_of": "2026-10-11T00:00:00Z",
            "staffing": "true",
        },
    )
    assert response.status_code == 200, response.text
    (sl,) = response.json()["levels"]
    recovery = sl["recovery"]
    assert recovery["outlook"] == "reachable", recovery
    staffing = recovery["staffing"]
    assert staffing["aht_seconds"] == 120.0  # talk 100 + after-contact work 20
    # every contact's wait (5 x 7 + 45 x 2 + 40) over one abandon in ten
    assert staffing["patience_seconds"] == 165.0
    assert Decimal(staffing["target_service_level"]) == Decimal(recovery["rest_must_reach"])
    intervals = staffing["intervals"]
    assert len(intervals) == 21 * 8  # eight busy quarter hours a day, 21 days left
    assert all(i["erlang_a_agents"] <= i["erlang_c_agents"] for i in intervals)
    first = intervals[0]
    traffic = first["expected_contacts"] * 120 / 900
    target = float(recovery["rest_must_reach"])
    assert (
        first["erlang_c_agents"]
        == erlang.required_agents(traffic, 120, target_service_level=target, threshold=20).agents
    )
    assert (
        first["erlang_a_agents"]
        == erlang_a.required_agents(
            traffic, 120, target_service_level=target, threshold=20, patience=165.0
        ).agents
    )
    without = await metrics.get(
        "/v1/sla-projections",
        params={
            "contract_id": str(contract_id),
            "period": "2026-10",
            "as_of": "2026-10-11T00:00:00Z",
        },
    )
    assert without.json()["levels"][0]["recovery"]["staffing"] is None

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from metrics.staffing import erlang_a
from tests.conftest import TokenFactory, api_client
from tests.metrics.builders import contact, make_source
from tests.metrics.sla.test_sla_reports_api import level
from tests.world import World

PLAN = {
    "interval_minutes": 30,
    "target_service_level": "0.80",
    "threshold_seconds": 20,
    "intervals": [{"volume": 600, "aht_seconds": 300}, {"volume": 100, "aht_seconds": 180}],
}


class TestStaffing:
    async def test_published_example_with_shrinkage(self, metrics: httpx.AsyncClient) -> None:
        response = await metrics.post(
            "/v1/staffing",
            json={
                "interval_minutes": 30,
                "target_service_level": "0.80",
                "threshold_seconds": 20,
                "shrinkage": "0.30",
                "intervals": [{"volume": 100, "aht_seconds": 180}, {"volume": 0, "aht_seconds": 1}],
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        first, empty = body["intervals"]
        assert (first["agents"], first["scheduled_staff"]) == (14, 20)
        assert empty["agents"] == 0
        assert body["peak_agents"] == 14 and body["agent_hours"] == 7.0

    async def test_96_intervals_up_to_thousands_of_agents(self, metrics: httpx.AsyncClient) -> None:
        intervals = [
            {"volume": 100 + i * 400, "aht_seconds": 300} for i in range(96)
        ]  # up to ~ 6,300 Erlangs
        response = await metrics.post(
            "/v1/staffing",
            json={
                "interval_minutes": 15,
                "target_service_level": "0.80",
                "threshold_seconds": 20,
                "intervals": intervals,
            },
        )
        assert response.status_code == 200
        agents = [i["agents"] for i in response.json()["intervals"]]
        assert agents == sorted(agents) and agents[-1] > 5000


class TestErlangA:
    async def test_callers_who_hang_up_need_fewer_agents_than_erlang_c(
        self, metrics: httpx.AsyncClient
    ) -> None:
        c = await metrics.post("/v1/staffing", json=PLAN)
        a = await metrics.post(
            "/v1/staffing", json={**PLAN, "model": "erlang_a", "patience_seconds": 90}
        )
        assert c.status_code == a.status_code == 200, a.text
        body = a.json()
        assert body["model"] == "erlang_a" and body["patience_seconds"] == 90
        for with_c, with_a in zip(c.json()["intervals"], body["intervals"], strict=True):
            assert with_a["erlang_c_agents"] == with_c["agents"]
            assert with_a["agents"] < with_c["agents"]
            assert with_a["service_level"] >= 0.8 and 0 < with_a["abandonment"] < 0.2
        assert c.json()["intervals"][0]["abandonment"] is None
        expected = erlang_a.required_agents(
            100.0, 300, target_service_level=0.8, threshold=20, patience=90
        )
        assert body["intervals"][0]["agents"] == expected.agents

    async def test_patience_estimated_from_the_contracts_own_contacts(
        self, metrics: httpx.AsyncClient, world: World
    ) -> None:
        contract_id, _ = await world.ids(queues=["patient"])
        await make_source(metrics)
        t0 = datetime(2026, 10, 1, 12, tzinfo=UTC)
        records = [  # waits: answered 10+30, abandoned 50+70+20 -> 180 s over 3 abandons
            contact("p1", t0, wait=10, queue="patient"),
            contact("p2", t0 + timedelta(minutes=1), wait=30, queue="patient"),
            contact("p3", t0 + timedelta(minutes=2), outcome="abandoned", wait=50, queue="patient"),
            contact("p4", t0 + timedelta(hours=1), outcome="abandoned", wait=70, queue="patient"),
            contact("p5", t0 + timedelta(hours=2), outcome="abandoned", wait=20, queue="patient"),
        ]
        pushed = await metrics.post(
            "/v1/contact-records", json={"source": "pbx-1", "records": records}
        )
        assert pushed.json()["inserted"] == 5, pushed.text
        span = {"contract_id": str(contract_id), "from": "2026-10-01T00:00:00Z",
                "to": "2026-10-02T00:00:00Z"}  # fmt: skip
        response = await metrics.post(
            "/v1/staffing", json={**PLAN, "model": "erlang_a", "patience_from": span}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["patience_seconds"] == 60.0
        estimate = body["patience_estimate"]
        assert (estimate["abandoned"], estimate["waited_seconds"]) == (3, 180)
        # An unaligned span is summed from the records: the 14:00 abandon is left out.
        shorter = {**span, "to": "2026-10-01T13:30:10Z"}
        response = await metrics.post(
            "/v1/staffing", json={**PLAN, "model": "erlang_a", "patience_from": shorter}
        )
        assert response.json()["patience_estimate"]["waited_seconds"] == 160

    async def test_patience_is_required_once_and_only_for_erlang_a(
        self, metrics: httpx.AsyncClient, world: World
    ) -> None:
        contract_id, _ = await world.ids()
        span = {"contract_id": str(contract_id), "from": "2026-10-01T00:00:00Z",
                "to": "2026-10-02T00:00:00Z"}  # fmt: skip
        cases = [
            ({"model": "erlang_a"}, "patience_seconds"),
            ({"model": "erlang_a", "patience_seconds": 60, "patience_from": span},
             "patience_seconds"),
            ({"patience_seconds": 60}, "patience_seconds"),
            ({"model": "erlang_a", "patience_seconds": 0}, "patience_seconds"),
            ({"model": "erlang_b"}, "model"),
            ({"model": "erlang_a", "patience_from": span}, "patience_from"),  # no abandons
            ({"model": "erlang_a", "patience_from": {**span, "to": span["from"]}},
             "patience_from.to"),
        ]  # fmt: skip
        for extra, field in cases:
            response = await metrics.post("/v1/staffing", json={**PLAN, **extra})
            assert response.status_code == 422, (extra, response.text)
            assert response.json()["errors"][0]["field"] == field, (extra, response.json())

    async def test_another_clients_contract_is_not_found(
        self, metrics_app: FastAPI, world: World, token: TokenFactory
    ) -> None:
        theirs, _ = await world.ids()
        mine = await world.client()
        span = {"contract_id": str(theirs), "from": "2026-10-01T00:00:00Z",
                "to": "2026-10-02T00:00:00Z"}  # fmt: skip
        async with api_client(metrics_app, token("client", client_id=mine)) as client:
            response = await client.post(
                "/v1/staffing", json={**PLAN, "model": "erlang_a", "patience_from": span}
            )
        assert response.status_code == 404, response.text


class TestFeasibility:
    async def test_plan_against_contract_levels(
        self, metrics: httpx.AsyncClient, world: World
    ) -> None:
        contract_id, _ = await world.ids(
            service_levels=[
                level("sl", "service_level", "0.80", threshold_seconds=20),
                level("asa", "asa", "30", direction="at_most"),
                level("csat", "csat", "4.0", csat_mode="mean"),
            ]
        )
        body = {
            "contract_id": str(contract_id),
            "on": "2026-10-01",
            "interval_minutes": 30,
            "intervals": [
                {"volume": 100, "aht_seconds": 180, "planned_agents": 14},
                {"volume": 100, "aht_seconds": 180, "planned_agents": 12},
            ],
        }
        response = await metrics.post("/v1/staffing/feasibility", json=body)
        assert response.status_code == 200, response.text
        result = response.json()
        levels = {lv["key"]: lv for lv in result["levels"]}
        assert levels["sl"]["feasible"] is False  # (0.888 + 0.640) / 2 < 0.80
        assert levels["sl"]["intervals_short"] == 1 and levels["sl"]["agents_short"] == 2
        assert levels["csat"]["assessable"] is False
        assert result["feasible"] is False
        body["intervals"][1]["planned_agents"] = 14
        ok = (await metrics.post("/v1/staffing/feasibility", json=body)).json()
        assert ok["feasible"] is True

    async def test_traffic_beyond_the_calculator_is_a_422_and_counts_are_integers(
        self, metrics: httpx.AsyncClient, world: World
    ) -> None:
        contract_id, _ = await world.ids(
            service_levels=[level("sl", "service_level", "0.80", threshold_seconds=20)]
        )
        body = {
            "contract_id": str(contract_id),
            "on": "2026-10-01",
            "intervals": [{"volume": 2031179.03, "aht_seconds": 3076.86, "planned_agents": 5}],
        }
        response = await metrics.post("/v1/staffing/feasibility", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "intervals"
        body["intervals"] = [{"volume": 100, "aht_seconds": 180, "planned_agents": False}]
        refused = await metrics.post("/v1/staffing/feasibility", json=body)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "intervals[0].planned_agents"
        staffing = {
            "target_service_level": "0.80",
            "threshold_seconds": True,
            "intervals": [{"volume": False, "aht_seconds": 180, "start": 0}],
        }
        not_a_volume = await metrics.post("/v1/staffing", json=staffing)
        assert not_a_volume.status_code == 422
        fields = {e["field"] for e in not_a_volume.json()["errors"]}
        assert fields == {"intervals[0].volume", "intervals[0].start", "threshold_seconds"}

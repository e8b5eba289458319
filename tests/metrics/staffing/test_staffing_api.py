import httpx

from tests.metrics.sla.test_sla_reports_api import level
from tests.world import World


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

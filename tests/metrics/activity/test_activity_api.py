import httpx

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

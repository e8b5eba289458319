from datetime import UTC, datetime, timedelta

import httpx

from tests.metrics import brute
from tests.metrics.builders import contact
from tests.metrics.kpis.test_kpis_api import make_source, push
from tests.world import World

T0 = datetime(2026, 10, 5, 12, tzinfo=UTC)


async def test_erasure_deletes_records_and_keeps_rollups_exact(
    metrics: httpx.AsyncClient, world: World
) -> None:
    contract_id, _ = await world.ids()
    await make_source(metrics, "pbx")
    records = [
        contact(
            f"e{i}",
            T0 + timedelta(minutes=7 * i),
            contract_id=contract_id,
            wait=i * 3,
            outcome="abandoned" if i % 4 == 0 else "answered",
            customer="+55 (11) 99000-0001" if i % 3 == 0 else f"user{i}@example.com",
        )
        for i in range(30)
    ]
    await push(metrics, records)
    # Written differently, the same person: the keyed hash normalizes it.
    response = await metrics.post("/v1/customers/erase", json={"customer": "+551199000-0001"})
    assert response.status_code == 200, response.text
    assert response.json()["erased_records"] == 10
    kept = [r for i, r in enumerate(records) if i % 3 != 0]
    kpis = await metrics.get(
        "/v1/kpis",
        params={
            "contract_id": str(contract_id),
            "from": "2026-10-05",
            "to": "2026-10-06",
            "granularity": "total",
            "threshold": [20],
        },
    )
    (bucket,) = kpis.json()["buckets"]
    assert bucket["counts"]["offered"] == 20
    assert {k: v for k, v in bucket["metrics"].items() if k != "occupancy"} == brute.metrics(kept)
    level = bucket["service_level"][0]
    assert {k: level[k] for k in ("value", "numerator", "denominator")} == brute.service_level(
        kept, 20, "answered_over_offered"
    )
    # A platform resending an erased record cannot bring it back.
    again = await push(metrics, records[:1])
    assert (again["inserted"], again["unchanged"]) == (0, 1)
    listed = await metrics.get("/v1/contact-records", params={"contract_id": str(contract_id)})
    assert len(listed.json()["items"]) == 20
    assert all(r["customer_key"] != response.json()["customer_key"] for r in listed.json()["items"])

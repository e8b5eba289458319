import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.metrics.builders import contact, make_source

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
CONTRACT = uuid.uuid4()


async def push(client: httpx.AsyncClient, records: list[dict], source: str = "pbx-1") -> dict:
    response = await client.post("/v1/contact-records", json={"source": source, "records": records})
    assert response.status_code == 200, response.text
    return response.json()


class TestBatch:
    async def test_insert_then_resend_is_unchanged(self, metrics: httpx.AsyncClient) -> None:
        await make_source(metrics)
        records = [
            contact(f"a{i}", T0 + timedelta(minutes=i), contract_id=CONTRACT) for i in range(5)
        ]
        first = await push(metrics, records)
        assert (first["inserted"], first["updated"], first["unchanged"]) == (5, 0, 0)
        again = await push(metrics, records)
        assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 5)

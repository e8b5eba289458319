import httpx

RATE = {
    "code": "PT-VAT",
    "name": "IVA",
    "country": "PT",
    "rate": "23.00",
    "valid_from": "2026-01-01",
}


class TestTaxRates:
    async def test_create_read_and_replay(self, finance: httpx.AsyncClient) -> None:
        first = await finance.post("/v1/tax-rates", json=RATE, headers={"Idempotency-Key": "t1"})
        assert first.status_code == 201, first.text
        again = await finance.post("/v1/tax-rates", json=RATE, headers={"Idempotency-Key": "t1"})
        assert again.json() == first.json()
        got = await finance.get(f"/v1/tax-rates/{first.json()['id']}")
        assert got.json()["rate"] == "23"  # normalized: numeric(7,4) adds no "0000"
        assert (await finance.post("/v1/tax-rates", json=RATE)).status_code == 409

    async def test_rate_out_of_range_names_the_field(self, finance: httpx.AsyncClient) -> None:
        response = await finance.post("/v1/tax-rates", json={**RATE, "rate": "100"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "rate"

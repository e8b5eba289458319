from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from billing.main import create_app
from billing.settings import BillingSettings
from tests.conftest import TokenFactory, api_client, rolled_back, running_app

ISS = {
    "code": "BR-ISS-SP",
    "name": "ISS São Paulo",
    "country": "BR",
    "rate": "5.00",
    "valid_from": "2026-01-01",
}


@pytest.fixture(scope="module")
async def tax_app(database_urls: dict[str, str]) -> AsyncIterator[FastAPI]:
    async with running_app(
        create_app(BillingSettings(database_url=database_urls["billing"]))
    ) as app:
        yield app


class TestTaxRates:
    async def test_rate_round_trips_as_an_exact_string(
        self, tax_app: FastAPI, token: TokenFactory
    ) -> None:
        async with rolled_back(tax_app), api_client(tax_app, token("finance")) as api:
            created = await api.post("/v1/tax-rates", json=ISS)
            assert created.status_code == 201, created.text
            assert created.json()["rate"] == "5"  # without the column's trailing zeros
            page = (await api.get("/v1/tax-rates", params={"country": "BR"})).json()
            assert [t["code"] for t in page["items"]] == ["BR-ISS-SP"]

    async def test_same_code_and_date_is_409(self, tax_app: FastAPI, token: TokenFactory) -> None:
        async with rolled_back(tax_app), api_client(tax_app, token("finance")) as api:
            assert (await api.post("/v1/tax-rates", json=ISS)).status_code == 201
            assert (await api.post("/v1/tax-rates", json=ISS)).status_code == 409
            later = await api.post(
                "/v1/tax-rates", json={**ISS, "valid_from": "2027-01-01", "rate": "5.5"}
            )
            assert later.status_code == 201

    @pytest.mark.parametrize(
        ("rate", "ok"), [("100", False), ("-1", False), (5.5, False), ("5.5", True), ("abc", False)]
    )
    async def test_rate_validation(
        self, tax_app: FastAPI, token: TokenFactory, rate: object, ok: bool
    ) -> None:
        async with rolled_back(tax_app), api_client(tax_app, token("finance")) as api:
            response = await api.post("/v1/tax-rates", json={**ISS, "rate": rate})
        assert (response.status_code == 201) is ok
        if not ok:
            assert response.json()["errors"][0]["field"] == "rate"

    async def test_client_may_not_create(self, tax_app: FastAPI, token: TokenFactory) -> None:
        import uuid

        async with (
            rolled_back(tax_app),
            api_client(tax_app, token("client", client_id=uuid.uuid4())) as api,
        ):
            assert (await api.post("/v1/tax-rates", json=ISS)).status_code == 403

"""A query parameter the operation does not take is a 422 naming it, not silently ignored."""

import uuid

from fastapi import FastAPI

from tests.conftest import TokenFactory, api_client


async def test_a_misspelt_filter_is_refused(gateway: FastAPI, token: TokenFactory) -> None:
    async with api_client(gateway, token("finance")) as finance:
        response = await finance.get("/v1/invoices", params={"contract": str(uuid.uuid4())})
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == [
            {"field": "contract", "message": "unknown query parameter", "code": "unknown"}
        ]
        assert "contract_id" in response.json()["detail"]
        assert (await finance.get("/v1/invoices", params={"limit": 5})).status_code == 200


async def test_every_service_and_the_gateway_refuse_them(
    gateway: FastAPI, token: TokenFactory
) -> None:
    async with api_client(gateway, token("admin")) as admin:
        for path in ("/v1/organizations", "/v1/sources", "/v1/price-plans", "/v1/api-clients"):
            response = await admin.get(path, params={"nonsense": "1"})
            assert response.status_code == 422, (path, response.text)
            assert (await admin.get(path, params={"limit": 1})).status_code == 200, path

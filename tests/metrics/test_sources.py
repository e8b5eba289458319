import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from metrics.main import create_app
from metrics.settings import MetricsSettings
from tests.conftest import TokenFactory, api_client, rolled_back, running_app


@pytest.fixture(scope="module")
async def sources_app(database_urls: dict[str, str]) -> AsyncIterator[FastAPI]:
    async with running_app(
        create_app(MetricsSettings(database_url=database_urls["metrics"]))
    ) as app:
        yield app


class TestSources:
    async def test_create_get_list(self, sources_app: FastAPI, token: TokenFactory) -> None:
        async with rolled_back(sources_app), api_client(sources_app, token("operator")) as api:
            created = await api.post(
                "/v1/sources", json={"name": "connect-prod", "kind": "amazon_connect"}
            )
            assert created.status_code == 201, created.text
            source = created.json()
            assert (await api.get(f"/v1/sources/{source['id']}")).json() == source
            listed = (await api.get("/v1/sources")).json()
            assert [s["id"] for s in listed["items"]] == [source["id"]]

    async def test_duplicate_name_is_409(self, sources_app: FastAPI, token: TokenFactory) -> None:
        async with rolled_back(sources_app), api_client(sources_app, token("operator")) as api:
            body = {"name": "asterisk-1", "kind": "asterisk"}
            assert (await api.post("/v1/sources", json=body)).status_code == 201
            assert (await api.post("/v1/sources", json=body)).status_code == 409

    async def test_bad_kind_names_the_field(
        self, sources_app: FastAPI, token: TokenFactory
    ) -> None:
        async with rolled_back(sources_app), api_client(sources_app, token("operator")) as api:
            response = await api.post("/v1/sources", json={"name": "x", "kind": "fax"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "kind"

    async def test_partner_sources_are_tenant_scoped(
        self, sources_app: FastAPI, token: TokenFactory
    ) -> None:
        acme, globex = uuid.uuid4(), uuid.uuid4()
        async with rolled_back(sources_app):
            async with api_client(sources_app, token("partner", client_id=acme)) as acme_partner:
                mine = (
                    await acme_partner.post(
                        "/v1/sources", json={"name": "acme-pbx", "kind": "asterisk"}
                    )
                ).json()
                assert mine["client_id"] == str(acme)
                refused = await acme_partner.post(
                    "/v1/sources", json={"name": "steal", "kind": "api", "client_id": str(globex)}
                )
                assert refused.status_code == 422
            async with api_client(sources_app, token("client", client_id=globex)) as globex_user:
                assert (await globex_user.get(f"/v1/sources/{mine['id']}")).status_code == 404
                assert (await globex_user.get("/v1/sources")).json()["items"] == []

"""The API docs work with no internet: every script, style and image the Swagger page loads is
served by the app itself."""

import re

import pytest
from fastapi import FastAPI

from tests.conftest import api_client

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")


async def assets_of_docs(app: FastAPI) -> list[str]:
    async with api_client(app) as client:
        page = await client.get("/docs")
        assert page.status_code == 200
        urls = [a or b for a, b in ASSET.findall(page.text)]
        assert urls, page.text
        for url in urls:
            assert url.startswith("/"), f"/docs loads {url} from elsewhere"
            response = await client.get(url)
            assert response.status_code == 200, url
            assert response.content
    return urls


@pytest.mark.parametrize("service", ["contracts", "metrics", "billing"])
async def test_a_services_docs_load_only_what_it_serves(services, service: str) -> None:  # type: ignore[no-untyped-def]
    urls = await assets_of_docs(services[service])
    assert "/docs/assets/swagger-ui-bundle.js" in urls and "/openapi.json" in urls


async def test_the_gateways_docs_load_only_what_it_serves(gateway: FastAPI) -> None:
    urls = await assets_of_docs(gateway)
    assert "/docs/assets/swagger-ui.css" in urls
    async with api_client(gateway) as client:
        policy = (await client.get("/docs")).headers["content-security-policy"]
    assert "default-src 'self'" in policy and "http" not in policy

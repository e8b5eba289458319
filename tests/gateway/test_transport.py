"""Through the gateway with its production transport (aiohttp's pool), against a real HTTP
peer on loopback: a body is relayed, and one past the limit is a 413 while streaming."""

from __future__ import annotations

from collections.abc import AsyncIterator

from gateway.main import create_app as create_gateway
from gateway.settings import GatewaySettings
from tests.conftest import TokenFactory, api_client, running_app
from tests.shared.test_transport import peer

__all__ = ["peer"]  # the fixture


async def test_through_the_gateway_an_oversized_stream_is_413(
    peer: str, database_urls: dict[str, str], keys, token: TokenFactory
) -> None:
    settings = GatewaySettings(
        database_url=database_urls["gateway"],
        contracts_url=peer,
        metrics_url=peer,
        billing_url=peer,
        jwt_private_key_file=keys.private_path,
        max_body_bytes=100_000,
    )
    async with running_app(create_gateway(settings)) as gateway:
        async with api_client(gateway, token("admin")) as admin:
            fine = await admin.post("/v1/organizations", content=b"{}" * 100)
            assert fine.status_code == 201, fine.text
            assert fine.json()["body_length"] == 200

            async def chunks() -> AsyncIterator[bytes]:
                for _ in range(10):
                    yield b"x" * 50_000

            refused = await admin.post("/v1/organizations", content=chunks())
            assert refused.status_code == 413, refused.text
            assert refused.headers["content-type"] == "application/problem+json"

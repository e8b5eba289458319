"""The transport between services (httpx over aiohttp's pool) against a real HTTP peer on
loopback: what it relays, and each way a connection fails as the httpx error callers
handle."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from shared.transport import AiohttpTransport


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    response = web.json_response(
        {
            "method": request.method,
            "raw_path": request.raw_path,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body_length": len(body),
        },
        status=201 if request.method == "POST" else 200,
    )
    response.headers.add("X-Twice", "one")
    response.headers.add("X-Twice", "two")
    return response


async def big(_: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(_)
    for _n in range(64):
        await response.write(b"y" * 65536)
    await response.write_eof()
    return response


async def slow(_: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.Response(text="late")


@pytest.fixture
async def peer() -> AsyncIterator[str]:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/echo", echo)
    app.router.add_route("*", "/v1/organizations", echo)
    app.router.add_get("/big", big)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = AiohttpTransport(max_connections=10)
    async with httpx.AsyncClient(transport=transport, timeout=1.0) as client:
        yield client


async def test_relays_the_request_and_the_answer(peer: str, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{peer}/echo?a=1&b=%2F&c=%3F", headers={"X-Mine": "yes"})
    assert response.status_code == 200
    seen = response.json()
    assert seen["raw_path"] == "/echo?a=1&b=%2F&c=%3F"
    assert seen["headers"]["x-mine"] == "yes"
    assert "aiohttp" not in seen["headers"]["user-agent"]  # nothing of aiohttp's added
    assert response.headers.get_list("x-twice") == ["one", "two"]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 50_000

    uploaded = await client.post(f"{peer}/echo", content=chunks())
    assert uploaded.status_code == 201 and uploaded.json()["body_length"] == 2_000_000
    sized = await client.post(f"{peer}/echo", content=b"z" * 1234)
    assert sized.json()["body_length"] == 1234
    assert sized.json()["headers"]["content-length"] == "1234"


async def test_a_large_answer_streams(peer: str, client: httpx.AsyncClient) -> None:
    async with client.stream("GET", f"{peer}/big") as response:
        sizes = [len(chunk) async for chunk in response.aiter_raw()]
    assert sum(sizes) == 64 * 65536 and len(sizes) > 1
    # the connection went back to the pool in a usable state
    assert (await client.get(f"{peer}/echo")).status_code == 200


async def test_refused_is_a_connect_error(client: httpx.AsyncClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError):
        await client.get(f"http://127.0.0.1:{port}/")


async def test_a_dropped_connection_is_a_protocol_error(client: httpx.AsyncClient) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"http://127.0.0.1:{port}/")
    finally:
        server.close()


async def test_a_silent_upstream_is_a_read_timeout(peer: str, client: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.ReadTimeout):
        await client.get(f"{peer}/slow", timeout=httpx.Timeout(1.0, read=0.3))

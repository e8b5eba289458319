"""How the services and the gateway reach each other: httpx's client interface over aiohttp's
connection pool.

httpx's own pool (httpcore) looks at every pooled connection on every request — a readability
check per idle socket, and a count of idle connections per connection — so with the few dozen
keep-alive connections a busy gateway or invoice run holds, that bookkeeping cost more than
the request. aiohttp's pool hands out a connection in constant time. Callers keep speaking
httpx (tests inject their own httpx transports), and this transport maps aiohttp's failures
onto the httpx errors they already handle: could not connect, connection dropped before an
answer, timed out, failed while reading.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx
from yarl import URL

# aiohttp adds these when a request lacks them; a proxy forwards what the caller sent.
NOT_ADDED = frozenset({"User-Agent", "Accept-Encoding", "Content-Type", "Accept"})


@contextmanager
def httpx_errors(request: httpx.Request) -> Iterator[None]:
    """aiohttp's failures as the httpx errors they are."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
    except aiohttp.ClientConnectorError as exc:  # refused, unreachable, unknown name
        raise httpx.ConnectError(str(exc), request=request) from exc
    except aiohttp.ServerDisconnectedError as exc:  # e.g. a pooled connection it had closed
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
    except aiohttp.ClientPayloadError as exc:
        raise httpx.ReadError(str(exc), request=request) from exc
    except aiohttp.ClientError as exc:
        raise httpx.TransportError(str(exc), request=request) from exc


class ResponseBody(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self.response = response
        self.request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_errors(self.request):
            async for chunk in self.response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self.response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session (its pool of keep-alive connections) per client."""

    def __init__(self, *, max_connections: int, keepalive_seconds: float = 15.0) -> None:
        self.max_connections = max_connections
        self.keepalive_seconds = keepalive_seconds
        self.session: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None:  # made on first use: it belongs to the running event loop
            connector = aiohttp.TCPConnector(
                limit=self.max_connections, keepalive_timeout=self.keepalive_seconds
            )
            self.session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                skip_auto_headers=NOT_ADDED,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self.session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() != b"transfer-encoding"  # aiohttp frames the body itself
        ]
        body: bytes | httpx.AsyncByteStream | None
        try:
            body = request.content or None
        except httpx.RequestNotRead:
            body = request.stream  # type: ignore[assignment]  # an upload, streamed through
        with httpx_errors(request):
            response = await self._session().request(
                request.method,
                URL(str(request.url), encoded=True),  # as the caller encoded it, not requoted
                headers=headers,
                data=body,
                allow_redirects=False,
                compress=False,
                timeout=aiohttp.ClientTimeout(
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        return httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            stream=ResponseBody(response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.close()

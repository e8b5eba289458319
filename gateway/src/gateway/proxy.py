"""The reverse proxy: one pooled httpx client, bodies streamed both ways, hop-by-hop headers
stripped, upstream failures answered as problem+json naming the upstream."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import structlog
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from shared.errors import (
    BadRequest,
    NotFound,
    PayloadTooLarge,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from shared.http import IDEMPOTENT_METHODS
from shared.observability import current_traceparent

log = structlog.get_logger("gateway.proxy")

# RFC 9110 §7.6.1 connection-specific headers, never forwarded; plus ones we set ourselves.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)


# Set by the gateway itself (its server adds `date` and `server`): the upstream's copies would
# make them appear twice.
RESPONSE_HEADERS_WE_SET = frozenset({"x-request-id", "traceparent", "date", "server"})


class Router:
    """Maps the first segment after /v1 to an upstream name and base URL."""

    def __init__(self, routes: dict[str, str], upstreams: dict[str, str]) -> None:
        unknown = set(routes.values()) - set(upstreams)
        if unknown:
            raise ValueError(f"routes name unknown upstreams: {sorted(unknown)}")
        self.routes = routes
        self.upstreams = upstreams

    def resolve(self, path: str) -> tuple[str, str]:
        """(first path segment, upstream name) of a /v1 path."""
        segment = path.removeprefix("/v1/").split("/", 1)[0]
        upstream = self.routes.get(segment)
        if upstream is None:
            raise NotFound(f"no API at {path}")
        return segment, upstream


def _forward_headers(request: Request) -> list[tuple[str, str]]:
    connection_named = {
        token.strip().lower()
        for token in request.headers.get("connection", "").split(",")
        if token.strip()
    }
    headers = [
        (name, value)
        for name, value in request.headers.items()
        if name not in HOP_BY_HOP
        and name not in connection_named
        and not name.startswith("x-forwarded-")
        and name not in ("x-request-id", "traceparent")
    ]
    client_host = request.client.host if request.client else ""
    prior = request.headers.get("x-forwarded-for")
    headers += [
        ("x-forwarded-for", f"{prior}, {client_host}" if prior else client_host),
        ("x-forwarded-proto", request.url.scheme),
        ("x-forwarded-host", request.headers.get("host", "")),
        ("x-request-id", request.state.request_id),
    ]
    return headers


class BodyTooLarge(Exception):
    pass


class LimitedBody:
    """Passes the body through, stopping a chunked upload that grows past the limit. Remembers
    that it did, since the transport may surface the failure as an upstream answer instead."""

    def __init__(self, stream: AsyncIterator[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.exceeded = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self.stream:
            seen += len(chunk)
            if seen > self.limit:
                self.exceeded = True
                raise BodyTooLarge
            yield chunk


async def forward(
    client: httpx.AsyncClient,
    upstream: str,
    base_url: str,
    request: Request,
    *,
    max_body_bytes: int,
) -> httpx.Response:
    """Send the request upstream and return the upstream response, body still streaming.

    An idempotent request is sent once more when the first try could not connect, or when
    a pooled keep-alive connection turned out to be closed by the upstream (a restart, or
    a worker that closed it after an error) before any answer came; timeouts and other
    failures raise errors naming the upstream. A write is never sent twice."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_body_bytes:
        raise PayloadTooLarge(f"request body over {max_body_bytes} bytes", limit=max_body_bytes)
    # (the declared length is checked first: most clients send one, and nothing is forwarded)
    headers = _forward_headers(request)
    if traceparent := current_traceparent.get():
        headers.append(("traceparent", traceparent))
    try:
        # The path exactly as the caller encoded it: decoding and re-encoding could change
        # what the service sees (%2F, %3F …).
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        url = httpx.URL(base_url + raw_path.decode("latin-1"))
        url = url.copy_with(query=request.url.query.encode("latin-1") or None)
    except httpx.InvalidURL as exc:
        raise BadRequest(f"malformed request URL: {exc}") from exc
    method = request.method
    has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
    if not has_body:
        headers = [(k, v) for k, v in headers if k != "content-length"]
    attempts = 2 if method in IDEMPOTENT_METHODS else 1
    body = LimitedBody(request.stream(), max_body_bytes) if has_body else None
    too_large = PayloadTooLarge(f"request body over {max_body_bytes} bytes", limit=max_body_bytes)
    for attempt in range(1, attempts + 1):
        upstream_request = client.build_request(method, url, headers=headers, content=body)
        try:
            response = await client.send(upstream_request, stream=True)
            if body is not None and body.exceeded:
                await response.aclose()
                raise too_large
            return response
        except BodyTooLarge as exc:
            raise too_large from exc
        except (httpx.LocalProtocolError, httpx.InvalidURL) as exc:
            # Our side could not even form the request: the caller sent something malformed.
            raise BadRequest(f"malformed request: {exc}") from exc
        except httpx.ConnectError as exc:
            # Nothing reached the upstream, so an idempotent request is safe to send again.
            log.warning("upstream.unreachable", upstream=upstream, attempt=attempt)
            if attempt == attempts:
                raise UpstreamUnavailable(upstream, f"{upstream} is unreachable") from exc
        except httpx.RemoteProtocolError as exc:
            # "Server disconnected without sending a response": the pooled connection was
            # stale. Safe to send again only if idempotent and no body stream was consumed.
            log.warning("upstream.disconnected", upstream=upstream, attempt=attempt)
            if attempt == attempts or body is not None:
                raise UpstreamError(upstream, f"{upstream} closed the connection") from exc
        except httpx.TimeoutException as exc:
            log.warning("upstream.timeout", upstream=upstream)
            raise UpstreamTimeout(upstream, f"{upstream} did not answer in time") from exc
        except httpx.TransportError as exc:
            if body is not None and body.exceeded:  # the transport wrapped our own stop
                raise too_large from exc
            log.warning("upstream.failed", upstream=upstream, error=type(exc).__name__)
            raise UpstreamError(upstream, f"{upstream} failed: {type(exc).__name__}") from exc
    raise AssertionError("unreachable")  # pragma: no cover


# An answer up to this size that says its length is read whole and sent in one piece: most API
# answers are a few kilobytes, and streaming them costs a task and several sends for nothing.
# Larger or unsized ones (PDFs, exports, big pages) are streamed as they come.
WHOLE_BODY_BYTES = 256 * 1024


async def relay(
    upstream: str, upstream_response: httpx.Response, extra_headers: dict[str, str]
) -> Response:
    """Relay the upstream response, hop-by-hop headers dropped, its body as sent (encoded)."""
    headers = {
        name: value
        for name, value in upstream_response.headers.items()
        if name not in HOP_BY_HOP and name not in RESPONSE_HEADERS_WE_SET
    }
    headers.update(extra_headers)
    length = upstream_response.headers.get("content-length", "")
    if length.isdigit() and int(length) <= WHOLE_BODY_BYTES:
        try:
            body = b"".join([chunk async for chunk in upstream_response.aiter_raw()])
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(upstream, f"{upstream} did not finish its answer") from exc
        except httpx.TransportError as exc:
            log.warning("upstream.failed", upstream=upstream, error=type(exc).__name__)
            raise UpstreamError(upstream, f"{upstream} failed: {type(exc).__name__}") from exc
        finally:
            await upstream_response.aclose()
        return Response(body, status_code=upstream_response.status_code, headers=headers)
    return StreamingResponse(
        upstream_response.aiter_raw(),
        status_code=upstream_response.status_code,
        headers=headers,
        background=BackgroundTask(upstream_response.aclose),
    )

"""Service-to-service HTTP: explicit timeouts, the request id and trace passed on, one retry of
idempotent calls on a connection failure, and failures turned into errors naming the upstream."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
import structlog

from shared.errors import NotFound, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from shared.observability import REQUEST_ID_HEADER, current_request_id, current_traceparent
from shared.transport import AiohttpTransport

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

log = structlog.get_logger("shared.http")


def default_timeout(connect: float = 2.0, read: float = 15.0) -> httpx.Timeout:
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def context_headers() -> dict[str, str]:
    """The current request's id and trace context, for the next hop."""
    headers: dict[str, str] = {}
    if request_id := current_request_id.get():
        headers[REQUEST_ID_HEADER] = request_id
    if traceparent := current_traceparent.get():
        headers["traceparent"] = traceparent
    return headers


class ServiceClient:
    """A client for one upstream service. One instance per process, opened in the lifespan."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        token_provider: Callable[[], str] | None = None,
        timeout: httpx.Timeout | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.token_provider = token_provider
        self.http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout or default_timeout(),
            transport=transport or AiohttpTransport(max_connections=100),
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        method = method.upper()
        all_headers = context_headers()
        bearer = token or (self.token_provider() if self.token_provider else None)
        if bearer:
            all_headers["authorization"] = f"Bearer {bearer}"
        all_headers.update(headers or {})
        attempts = 2 if method in IDEMPOTENT_METHODS else 1
        for attempt in range(1, attempts + 1):
            try:
                response = await self.http.request(
                    method, path, params=params, json=json, headers=all_headers
                )
            except httpx.TimeoutException as exc:
                log.warning("upstream.timeout", upstream=self.name, path=path)
                raise UpstreamTimeout(self.name, f"{self.name} did not answer in time") from exc
            except httpx.TransportError as exc:
                log.warning("upstream.unreachable", upstream=self.name, path=path, attempt=attempt)
                if attempt < attempts:
                    continue
                raise UpstreamUnavailable(self.name, f"{self.name} is unreachable") from exc
            if response.status_code >= 500:
                raise UpstreamError(
                    self.name, f"{self.name} answered {response.status_code} for {path}"
                )
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        """GET and decode; a 404 becomes NotFound, other 4xx an upstream error with its detail."""
        response = await self.request("GET", path, **kwargs)
        if response.status_code == 404:
            raise NotFound(_detail(response) or f"{path} not found at {self.name}")
        if response.status_code >= 400:
            raise UpstreamError(
                self.name, f"{self.name} refused {path}: {_detail(response)}", status=502
            )
        return response.json()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("detail", body)) if isinstance(body, dict) else str(body)[:200]

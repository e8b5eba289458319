"""The gateway's public API, called with the signed-in user's bearer token. The only way
this app reads or changes anything: it holds no database and calls no service directly.

Errors come back as ``ApiError`` carrying the problem details (RFC 9457) the API answered;
a 401 is ``SignInAgain`` (the token expired or was refused), which sends the user to sign in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from shared.observability import current_traceparent


class ApiError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(f"{status} {problem.get('title')}: {problem.get('detail')}")

    @property
    def title(self) -> str:
        return str(self.problem.get("title") or "The request failed")

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or "")

    @property
    def field_errors(self) -> list[dict[str, Any]]:
        errors = self.problem.get("errors")
        return errors if isinstance(errors, list) else []


class SignInAgain(Exception):
    """The gateway refused the token (expired, revoked, or never valid)."""


class Unreachable(ApiError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            503,
            {
                "title": "The platform cannot be reached",
                "detail": f"The web console could not reach the API ({reason}). "
                "Try again in a moment.",
            },
        )


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    return {"title": response.reason_phrase or "Error", "detail": response.text[:300]}


class Gateway:
    """One user's view of the API: every call carries their token."""

    def __init__(self, http: httpx.AsyncClient, token: str | None, request_id: str = "") -> None:
        self.http = http
        self.token = token

        self.request_id = request_id

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"accept": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if self.request_id:
            headers["x-request-id"] = self.request_id
        if traceparent := current_traceparent.get():
            headers["traceparent"] = traceparent
        headers.update(extra or {})
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self.http.request(
                method, path, params=clean, json=json, headers=self._headers(headers)
            )
        except httpx.HTTPError as exc:
            raise Unreachable(type(exc).__name__) from exc
        if response.status_code == 401:
            raise SignInAgain
        if response.status_code >= 400:
            raise ApiError(response.status_code, _problem(response))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params=params)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return await self.request("POST", path, json=json if json is not None else {}, **kwargs)

    async def all(self, path: str, limit: int = 500, pages: int = 10, **params: Any) -> list[Any]:
        """Every item of a keyset-paginated list (up to ``pages`` pages)."""
        items: list[Any] = []
        cursor = None
        for _ in range(pages):
            page = await self.get(path, limit=limit, cursor=cursor, **params)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items

    async def download(self, path: str) -> tuple[httpx.Response, AsyncIterator[bytes]]:
        """A document (PDF), streamed back as the API sends it."""
        request = self.http.build_request(
            "GET", path, headers=self._headers({"accept": "application/pdf"})
        )
        try:
            response = await self.http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise Unreachable(type(exc).__name__) from exc
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            if response.status_code == 401:
                raise SignInAgain
            raise ApiError(response.status_code, _problem(response))
        return response, response.aiter_raw()

"""The gateway client every command shares: options, token, problem+json errors, pages.

Commands call the gateway only (never a service directly), with a bearer token: the one given
(``--token`` / ``CONTRATO_TOKEN``) or an admin token minted with the local development key, the
one `contrato up` made. Failures become :class:`ApiError`; :func:`reporting` turns them into one
clear message on stderr and exit code 1 (2 for bad usage), never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from contrato.platform import ROOT
from shared.auth import Role, mint_token

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

DEFAULT_GATEWAY = "http://127.0.0.1:8000"
EXIT_API = 1
EXIT_USAGE = 2

GatewayUrl = Annotated[
    str, typer.Option("--gateway", envvar="CONTRATO_GATEWAY_URL", help="The gateway's base URL")
]
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="CONTRATO_TOKEN",
        help="Bearer token to use (default: an admin token minted with the local key)",
        show_default=False,
    ),
]
DataDir = Annotated[
    Path, typer.Option(envvar="CONTRATO_DATA_DIR", help="Where the embedded database and keys live")
]
JsonOut = Annotated[bool, typer.Option("--json", help="Print the answer as JSON (for scripts)")]


def default_data_dir() -> Path:
    return ROOT / ".data"


class ApiError(Exception):
    """A call that failed: the gateway unreachable (``status`` None), or an answer >= 400."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: str | None = None,
        errors: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail or message
        self.errors = list(errors)

    def short(self) -> str:
        """One line for a table cell: the field errors, else the detail."""
        return "; ".join(self.errors) if self.errors else self.detail


class UsageError(Exception):
    """Bad usage found after option parsing (a wrong file, period ...): exit code 2."""


def problem_error(response: httpx.Response) -> ApiError:
    """An ApiError from an answer: problem+json detail and each ``errors[].field: message``."""
    problem: Mapping[str, Any] = {}
    if "json" in response.headers.get("content-type", ""):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, Mapping):
            problem = body
    detail = problem.get("detail") or problem.get("title") or response.text.strip()[:300]
    detail = detail or response.reason_phrase
    errors = []
    for error in problem.get("errors") or []:
        if isinstance(error, Mapping):
            errors.append(f"{error.get('field', '?')}: {error.get('message', '')}")
    try:
        method, path = response.request.method, response.request.url.path
    except RuntimeError:  # an answer built without a request
        method, path = "", ""
    return ApiError(
        f"{response.status_code} {method} {path}: {detail}".replace("  ", " "),
        status=response.status_code,
        detail=detail,
        errors=errors,
    )


@dataclass
class Gateway:
    """A small synchronous client of the gateway."""

    url: str
    token: str
    timeout: float = 60.0
    transport: httpx.BaseTransport | None = None
    rate_limit_retries: int = 5
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.url.rstrip("/"),
                headers={
                    "authorization": f"Bearer {self.token}",
                    "user-agent": "contrato-cli",
                },
                timeout=httpx.Timeout(self.timeout, connect=10.0),
                transport=self.transport,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; any transport failure or answer >= 400 raises ApiError.

        A 429 (rate limited: the request was not processed) is retried after its
        ``Retry-After``, a few times; nothing else is retried here."""
        for attempt in range(self.rate_limit_retries + 1):
            try:
                response = self.client.request(
                    method,
                    path,
                    json=json,
                    params=_clean(params),
                    content=content,
                    headers=dict(headers or {}),
                )
            except httpx.TimeoutException as exc:
                raise ApiError(f"the gateway at {self.url} did not answer in time ({exc})") from exc
            except httpx.HTTPError as exc:
                raise ApiError(f"cannot reach the gateway at {self.url}: {exc}") from exc
            if response.status_code != 429 or attempt == self.rate_limit_retries:
                break
            time.sleep(_retry_after(response))
        if response.status_code >= 400:
            raise problem_error(response)
        return response

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params).json()

    def post(self, path: str, body: object = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=body, **kwargs).json()

    def pages(self, path: str, *, limit: int = 200, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a keyset-paginated list, following ``next_cursor``."""
        cursor: str | None = None
        while True:
            page = self.get(path, limit=limit, cursor=cursor, **params)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def contract_id(api: Gateway, ref: str) -> str:
    """The id of a contract named by its id or its number (CT-2026-0004)."""
    if _is_uuid(ref):
        return ref
    number = ref.strip().upper()
    found = [c for c in api.get("/v1/contracts", q=number, limit=50)["items"]
             if c.get("number") == number]  # fmt: skip
    if not found:
        raise ApiError(f"no contract numbered {ref!r} (or not yours)", status=404)
    return str(found[0]["id"])


def invoice_id(api: Gateway, ref: str) -> str:
    """The id of an invoice named by its id or, once issued, its number (INV-2026-0001)."""
    if _is_uuid(ref):
        return ref
    found = api.get("/v1/invoices", number=ref.strip().upper(), limit=1)["items"]
    if not found:
        raise ApiError(f"no invoice numbered {ref!r} (or not yours)", status=404)
    return str(found[0]["id"])


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(max(float(response.headers.get("retry-after", "1")), 0.0), 30.0)
    except ValueError:
        return 1.0


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None and v != []}


def local_admin_token(data_dir: Path, *, ttl_seconds: int = 3600) -> str:
    """An admin token signed with the development key (`contrato up` creates it)."""
    key_file = os.environ.get("CONTRATO_JWT_PRIVATE_KEY_FILE") or str(
        data_dir / "keys" / "jwt-private.pem"
    )
    if not Path(key_file).exists():
        raise UsageError(
            f"no signing key at {key_file}: run `contrato up` once first, "
            "or pass --token (or set CONTRATO_TOKEN)"
        )
    return mint_token(
        Path(key_file).read_text(),
        subject="cli-admin",
        role=Role.admin,
        issuer=os.environ.get("CONTRATO_JWT_ISSUER", "contrato-dev"),
        audience=os.environ.get("CONTRATO_JWT_AUDIENCE", "contrato"),
        ttl_seconds=ttl_seconds,
    )


def connect(gateway: str, token: str | None, data_dir: Path) -> Gateway:
    """The gateway client for a command (exits 2 when no token can be had)."""
    if not re.match(r"^https?://[^/\s]+", gateway):
        fail_usage(f"--gateway must be an http(s) URL, not {gateway!r}")
    try:
        bearer = token.strip() if token else local_admin_token(data_dir)
    except UsageError as exc:
        fail_usage(str(exc))
    return Gateway(gateway, bearer)


def fail_usage(message: str) -> NoReturn:
    err.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def fail(exc: ApiError) -> NoReturn:
    """The failure's message on stderr (one line, then one per field error); exit 1."""
    err.print(f"[red]error:[/] {escape(exc.message)}", soft_wrap=True)
    for line in exc.errors:
        err.print(f"  {line}", soft_wrap=True, markup=False)
    raise typer.Exit(EXIT_API)


@contextmanager
def reporting() -> Iterator[None]:
    """Turn an ApiError into its message on stderr and exit 1; a UsageError into exit 2."""
    try:
        yield
    except ApiError as exc:
        fail(exc)
    except UsageError as exc:
        fail_usage(str(exc))


def progress_wanted() -> bool:
    """Progress bars only on a terminal: nothing in scripts' and CI logs."""
    return err.is_terminal


def print_json(value: object) -> None:
    """JSON on stdout, nothing else there (progress and messages go to stderr)."""
    print(json.dumps(value, indent=2, default=str))

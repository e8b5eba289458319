"""Hostile input every service app must refuse with a 4xx problem, never a 500."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from billing.main import create_app as create_billing
from billing.settings import BillingSettings
from contracts.main import create_app as create_contracts
from contracts.settings import ContractsSettings
from metrics.main import create_app as create_metrics
from metrics.settings import MetricsSettings
from tests.conftest import TokenFactory, api_client, rolled_back, running_app
from tests.shared.test_access_matrix import api_routes

FACTORIES = {
    "contracts": (create_contracts, ContractsSettings),
    "metrics": (create_metrics, MetricsSettings),
    "billing": (create_billing, BillingSettings),
}

# A JSON-bodied create route of each service (pydantic-validated bodies) ...
JSON_ROUTES = {
    "contracts": "/v1/organizations",
    "metrics": "/v1/sources",
    "billing": "/v1/tax-rates",
}
# ... and the routes that read the raw body themselves.
RAW_ROUTES = {
    "contracts": [],
    "metrics": ["/v1/contact-records", "/v1/agent-activity", "/v1/quality-evaluations"],
    "billing": [],
}


@pytest.fixture(params=sorted(FACTORIES))
async def service(
    request: pytest.FixtureRequest, database_urls: dict[str, str]
) -> AsyncIterator[tuple[str, FastAPI]]:
    factory, settings_class = FACTORIES[request.param]
    app = factory(settings_class(database_url=database_urls[request.param]))
    async with running_app(app), rolled_back(app):
        yield request.param, app


def assert_problem(response: httpx.Response, status: set[int], field: str | None = None) -> None:
    assert response.status_code in status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        body = response.json()
        assert field in body["detail"] or any(e["field"] == field for e in body.get("errors", []))


@pytest.mark.parametrize(
    "payload",
    [
        b'{"name": "\xff\xfe"}',  # not UTF-8 at all
        b'{"name": "ok\xc3"}',  # a truncated sequence
        # well-formed JSON around a string that is not UTF-8 (the fast decoders meet it late)
        b'{"source": "s", "records": [{"external_id": "x\xff", "queue": "q",'
        b' "enqueued_at": "2026-10-01T00:00:00Z", "outcome": "answered"}]}',
    ],
)
async def test_invalid_utf8_in_a_json_body_is_a_4xx_naming_the_body(
    service: tuple[str, FastAPI], token: TokenFactory, payload: bytes
) -> None:
    name, app = service
    async with api_client(app, token("admin")) as client:
        for path in [JSON_ROUTES[name], *RAW_ROUTES[name]]:
            response = await client.post(
                path, content=payload, headers={"content-type": "application/json"}
            )
            assert_problem(response, {400, 422}, "body")


async def test_lone_surrogates_in_json_strings_are_a_4xx(
    service: tuple[str, FastAPI], token: TokenFactory
) -> None:
    # Valid JSON, but "\ud800" decodes to a string no UTF-8 database can store.
    name, app = service
    async with api_client(app, token("admin")) as client:
        response = await client.post(
            JSON_ROUTES[name],
            content=b'{"name": "a\\ud800b", "legal_name": "x\\udfff", "country": "BR"}',
            headers={"content-type": "application/json"},
        )
        assert response.status_code < 500, response.text


def _writes(app: FastAPI) -> list[tuple[str, str]]:
    """Every write route of the app, path parameters filled with a fresh id."""
    out = []
    for method, path, _ in api_routes(app):
        if method in ("POST", "PUT", "PATCH"):
            out.append((method, re.sub(r"{[^}]+}", "0190a5b0-0000-7000-8000-000000000000", path)))
    assert out
    return out


async def test_every_write_route_refuses_invalid_utf8_with_a_4xx(
    service: tuple[str, FastAPI], token: TokenFactory
) -> None:
    _, app = service
    async with api_client(app, token("admin")) as client:
        for method, path in _writes(app):
            for content_type in ("application/json", "application/json; charset=latin-1"):
                # 400 or 422 naming the body, never FastAPI's anonymous "error parsing the body"
                response = await client.request(
                    method,
                    path,
                    content=b'{"name": "\xff\xfe", "x": "\xc3"}',
                    headers={"content-type": content_type, "if-match": '"x"'},
                )
                assert response.status_code < 500, (method, path, response.text)
                if response.status_code < 400:  # a route that reads no body
                    continue
                assert_problem(response, {400, 404, 409, 412, 415, 422, 428})
                if response.status_code == 400:
                    assert response.json()["errors"][0]["field"] == "body", (method, path)


HOSTILE_QUERY_VALUES = [
    "9999-12-31",
    "0001-01-01",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "99999999999999999999",
    "-1",
    "a" * 5000,
    "\x00",
    "2026-13-01",
    "1e308",
    "WyJ6enoiXQ",  # a cursor of one value that is no id
    "WyIwMTkwYTViMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDAiLCAienoiXQ",  # two values
]


async def test_every_query_parameter_refuses_hostile_values_without_a_5xx(
    service: tuple[str, FastAPI], token: TokenFactory
) -> None:
    _, app = service
    found = []
    async with api_client(app, token("admin")) as client:
        for method, path, route in api_routes(app):
            if method != "GET":
                continue
            url = re.sub(r"{[^}]+}", "0190a5b0-0000-7000-8000-000000000000", path)
            names = [p.alias for p in route.dependant.query_params]
            for dependency in route.dependant.dependencies:
                names += [p.alias for p in dependency.query_params]
            for name in names:
                for value in HOSTILE_QUERY_VALUES:
                    response = await client.get(url, params={name: value})
                    if response.status_code >= 500:
                        found.append((path, name, value[:30], response.status_code))
    assert found == []

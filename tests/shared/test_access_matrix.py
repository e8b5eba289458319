"""Deny by default: every /v1 route of every app declares the roles it admits, and each role
gets exactly what its route declares — checked for every route and every role."""

import re
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from billing.main import create_app as create_billing
from billing.settings import BillingSettings
from contracts.main import create_app as create_contracts
from contracts.settings import ContractsSettings
from gateway.main import create_app as create_gateway
from gateway.settings import GatewaySettings
from metrics.main import create_app as create_metrics
from metrics.settings import MetricsSettings
from shared.auth import Role
from tests.conftest import TokenFactory, api_client, rolled_back, running_app

FACTORIES = {
    "contracts": lambda urls: create_contracts(ContractsSettings(database_url=urls["contracts"])),
    "metrics": lambda urls: create_metrics(MetricsSettings(database_url=urls["metrics"])),
    "billing": lambda urls: create_billing(BillingSettings(database_url=urls["billing"])),
    "gateway": lambda urls: create_gateway(GatewaySettings(database_url=urls["gateway"])),
}


def declared_roles(dependant: Dependant) -> frozenset[Role] | None:
    for sub in dependant.dependencies:
        roles = getattr(sub.call, "allowed_roles", None)
        if roles is not None:
            return frozenset(roles)
        if (found := declared_roles(sub)) is not None:
            return found
    return None


def flatten(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """Current FastAPI includes routers lazily; walk into them (our routers carry their own
    prefix, so paths are already complete)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from flatten(included.routes)
        else:
            yield route


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for route in flatten(app.routes):
        if isinstance(route, APIRoute) and route.path.startswith("/v1/"):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route.path, route


@pytest.mark.parametrize("service", sorted(FACTORIES))
def test_every_route_declares_its_roles(service: str, database_urls: dict[str, str]) -> None:
    app = FACTORIES[service](database_urls)
    undeclared = [
        f"{method} {path}"
        for method, path, route in api_routes(app)
        if declared_roles(route.dependant) is None
    ]
    assert undeclared == [], f"routes with no declared access: {undeclared}"
    assert list(api_routes(app)), "a service with no /v1 routes cannot be checked"


@pytest.fixture(scope="module")
async def apps(database_urls: dict[str, str]) -> AsyncIterator[dict[str, FastAPI]]:
    built = {name: factory(database_urls) for name, factory in FACTORIES.items()}
    async with (
        running_app(built["contracts"]),
        running_app(built["metrics"]),
        running_app(built["billing"]),
        running_app(built["gateway"]),
    ):
        yield built


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


@pytest.mark.parametrize("service", sorted(FACTORIES))
@pytest.mark.parametrize("role", [r.value for r in Role])
async def test_each_role_gets_what_the_route_declares(
    service: str, role: str, apps: dict[str, FastAPI], token: TokenFactory
) -> None:
    app = apps[service]
    bearer = token(role, client_id=uuid.uuid4() if role in ("client", "partner") else None)
    wrong: list[str] = []
    async with rolled_back(app), api_client(app, bearer) as client:
        for method, path, route in api_routes(app):
            allowed = Role(role) in (declared_roles(route.dependant) or frozenset())
            response = await client.request(method, concrete(path), json={})
            if allowed and response.status_code in (401, 403):
                wrong.append(f"{role} refused {method} {path}: {response.status_code}")
            if not allowed and response.status_code != 403:
                wrong.append(f"{role} reached {method} {path}: {response.status_code}")
            if response.status_code >= 500:
                wrong.append(f"{role} broke {method} {path}: {response.status_code}")
    assert wrong == []

"""The gateway's role table is the services' own declarations, generated, never hand-kept.

`make route-roles` (``python -m tests.gateway.test_route_roles``) writes it again after a
service changes who may call a route."""

from __future__ import annotations

from fastapi import FastAPI

from billing.main import create_app as create_billing
from billing.settings import BillingSettings
from contracts.main import create_app as create_contracts
from contracts.settings import ContractsSettings
from gateway.route_roles import ROUTE_ROLES, TABLE_FILE
from metrics.main import create_app as create_metrics
from metrics.settings import MetricsSettings
from shared.access import RouteRoles, RouteTable, declared_route_roles, route_table_json
from shared.auth import Role

# Creating an app opens no connection; the URL only has to be well formed.
UNUSED_URL = "postgresql+asyncpg://unused@127.0.0.1:1/unused"


def service_apps() -> list[FastAPI]:
    return [
        create_contracts(ContractsSettings(database_url=UNUSED_URL)),
        create_metrics(MetricsSettings(database_url=UNUSED_URL)),
        create_billing(BillingSettings(database_url=UNUSED_URL)),
    ]


def declared() -> list[RouteRoles]:
    return sorted(route for app in service_apps() for route in declared_route_roles(app))


def test_the_gateway_checks_exactly_what_the_services_declare() -> None:
    assert TABLE_FILE.read_text() == route_table_json(declared()), (
        "the gateway's role table differs from the services' declarations: run `make route-roles`"
    )
    assert tuple(declared()) == ROUTE_ROLES


def test_routes_are_found_by_their_most_literal_template() -> None:
    table = RouteTable(ROUTE_ROLES)
    reminders = table.match("/v1/contracts/reminders")
    assert {r.path for r in reminders} == {"/v1/contracts/reminders"}
    one = table.match("/v1/contracts/0191d9f0-0000-7000-8000-000000000000")
    assert {r.path for r in one} == {"/v1/contracts/{contract_id}"}
    assert table.match("/v1/nothing/here") == []


def test_what_the_access_issue_found_is_now_allowed() -> None:
    """Clients may sign their contracts and ask for quotes, as the services allow."""
    table = RouteTable(ROUTE_ROLES)
    quote = [r for r in table.match("/v1/quotes") if r.method == "POST"]
    assert quote and quote[0].admits(Role.client)


if __name__ == "__main__":
    TABLE_FILE.write_text(route_table_json(declared()))
    print(f"wrote {TABLE_FILE}")

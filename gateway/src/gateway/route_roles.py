"""Who may call each service route, as the services declare it (``require(...)``).

The table is generated (``make route-roles``), never edited by hand:
tests/gateway/test_route_roles.py fails when it differs from the services' declarations."""

from pathlib import Path

from shared.access import RouteRoles, load_route_table

TABLE_FILE = Path(__file__).with_name("route_roles.json")
ROUTE_ROLES: tuple[RouteRoles, ...] = load_route_table(TABLE_FILE.read_text())

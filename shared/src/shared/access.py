"""Which roles may call each route, read from the routes themselves.

Each service declares a route's roles once, with ``require(...)`` (``shared.auth``). The gateway
checks the same declarations before it forwards anything: its table
(``gateway/src/gateway/route_roles.json``) is generated from the services' apps by
``route_table_json`` and a test fails when the two differ, so they cannot drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from shared.auth import Role, current_principal

ANY_ROLE = "*"  # any authenticated caller; the service scopes what it answers


@dataclass(frozen=True, order=True)
class RouteRoles:
    """One operation: its method, its path template (``/v1/contracts/{contract_id}``) and
    the roles that may call it (admin always may)."""

    path: str
    method: str
    roles: tuple[str, ...]

    def admits(self, role: Role) -> bool:
        return role is Role.admin or ANY_ROLE in self.roles or role.value in self.roles


def _roles_of(dependant: Any) -> tuple[str, ...] | None:
    """The roles the route's dependencies admit: those of ``require(...)``, any role when it
    only asks for a principal, None when it asks for none (a public route)."""
    allowed = getattr(dependant.call, "allowed_roles", None)
    if allowed is not None:
        return tuple(sorted(role.value for role in allowed))
    found: tuple[str, ...] | None = (ANY_ROLE,) if dependant.call is current_principal else None
    for child in dependant.dependencies:
        roles = _roles_of(child)
        if roles is not None and (found is None or found == (ANY_ROLE,)):
            found = roles
    return found


def declared_route_roles(app: FastAPI, prefix: str = "/v1/") -> list[RouteRoles]:
    """Every ``/v1`` operation of ``app`` with the roles its dependencies admit."""
    declared = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.path.startswith(prefix):
            continue
        roles = _roles_of(route.dependant)
        if roles is None:
            raise ValueError(f"{route.path} asks for no principal: every /v1 route must")
        declared += [
            RouteRoles(route.path, method, roles) for method in sorted(route.methods or ())
        ]
    return sorted(declared)


def route_table_json(routes: Iterable[RouteRoles]) -> str:
    """The gateway's generated table of ``routes``: JSON, one operation a line."""
    lines = [
        json.dumps({"path": r.path, "method": r.method, "roles": list(r.roles)})
        for r in sorted(routes)
    ]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def load_route_table(text: str) -> tuple[RouteRoles, ...]:
    return tuple(
        RouteRoles(item["path"], item["method"], tuple(item["roles"])) for item in json.loads(text)
    )


_PARAMETER = re.compile(r"^\{[^}]+\}$")


@dataclass(frozen=True)
class _Compiled:
    route: RouteRoles
    segments: tuple[str | None, ...]  # None where the template has a parameter

    @property
    def specificity(self) -> tuple[bool, ...]:
        # FastAPI tries routes in order of declaration; declarations put a literal segment
        # before a parameter in the same place (`/contracts/reminders` before
        # `/contracts/{id}`), so the most literal template is the one the service runs.
        return tuple(segment is not None for segment in self.segments)


class RouteTable:
    """Finds the declared operation of a request path, segment by segment."""

    def __init__(self, routes: Sequence[RouteRoles]) -> None:
        self._by_shape: dict[tuple[int, str], list[_Compiled]] = {}
        for route in routes:
            segments = tuple(
                None if _PARAMETER.match(part) else part for part in route.path.split("/")
            )
            key = (len(segments), segments[2] or "")
            self._by_shape.setdefault(key, []).append(_Compiled(route, segments))
        for candidates in self._by_shape.values():
            # The same template's methods side by side, the most literal template first.
            candidates.sort(
                key=lambda c: (c.specificity, tuple(s or "" for s in c.segments)), reverse=True
            )

    def match(self, path: str) -> list[RouteRoles]:
        """The operations declared at ``path`` (one per method), most specific template."""
        parts = path.split("/")
        candidates = self._by_shape.get((len(parts), parts[2] if len(parts) > 2 else ""), [])
        found: list[RouteRoles] = []
        template: tuple[str | None, ...] | None = None
        for candidate in candidates:
            if template is not None and candidate.segments != template:
                break
            if all(s is None or s == p for s, p in zip(candidate.segments, parts, strict=True)):
                template = candidate.segments
                found.append(candidate.route)
        return found

    def __iter__(self) -> Iterator[RouteRoles]:
        for candidates in self._by_shape.values():
            for candidate in candidates:
                yield candidate.route

"""Every dependency and endpoint of every app is a coroutine function: FastAPI runs a plain
function in a worker thread, a hop that cost a measurable share of a small request (see
bench/bench_request_cost.py), for factories that do no blocking work at all."""

from __future__ import annotations

import inspect

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from tests.gateway.test_route_roles import UNUSED_URL, service_apps


def all_apps() -> list[FastAPI]:
    from gateway.main import create_app as create_gateway
    from gateway.settings import GatewaySettings

    return [*service_apps(), create_gateway(GatewaySettings(database_url=UNUSED_URL))]


def sync_calls(dependant: Dependant) -> set[str]:
    found = set()
    call = dependant.call
    if call is not None and not (
        inspect.iscoroutinefunction(call)
        or inspect.isasyncgenfunction(call)
        or inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004
    ):
        found.add(f"{getattr(call, '__module__', '?')}.{getattr(call, '__qualname__', call)}")
    for sub in dependant.dependencies:
        found |= sync_calls(sub)
    return found


def test_no_dependency_or_endpoint_runs_in_a_thread() -> None:
    offenders: set[str] = set()
    for app in all_apps():
        for context in iter_route_contexts(app.routes):
            route = context.route  # with the app's and routers' own dependencies
            if isinstance(route, APIRoute):
                offenders |= sync_calls(route.dependant)
    assert sorted(offenders) == []

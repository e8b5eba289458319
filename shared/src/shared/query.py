"""A query parameter the route does not declare is an error, not a silent no-op: a caller who
types ``?contract=`` for ``?contract_id=`` must learn that the filter did nothing, not get every
invoice back."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from pydantic import BaseModel

from shared.errors import FieldError, ValidationFailed


def declared_query_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameters of ``route`` and of every dependency it has (pagination …)."""
    names: frozenset[str] | None = getattr(route, "_query_parameter_names", None)
    if names is None:
        names = frozenset(_query_names(route.dependant))
        route._query_parameter_names = names  # type: ignore[attr-defined]  # worked out once
    return names


def _query_names(dependant: Any) -> set[str]:
    names: set[str] = set()
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # a model of query parameters (``Annotated[Filters, Query()]``): its fields
            names |= {f.alias or n for n, f in annotation.model_fields.items()}
        else:
            names.add(param.alias)
    for child in dependant.dependencies:
        names |= _query_names(child)
    return names


async def reject_unknown_query_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    unknown = sorted(set(request.query_params) - declared_query_parameters(route))
    if unknown:
        known = ", ".join(sorted(declared_query_parameters(route))) or "none"
        raise ValidationFailed(
            f"unknown query parameter(s): {', '.join(unknown)} (this operation takes: {known})",
            errors=[FieldError(name, "unknown query parameter", "unknown") for name in unknown],
        )

"""A tiny stand-in for the contracts service's two read endpoints metrics consumes.

The contracts service is being built in parallel; until it is merged this app serves the exact
cross-service shapes (``queue-lookup`` and ``service-terms``) from data a test registers. It is
a fake of an external boundary: replace it with the real contracts app once that exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import jwt
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse


@dataclass
class FakeContracts:
    terms: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    # queue -> [(contract_id, client_id, from, to)]
    queues: dict[str, list[tuple[uuid.UUID, uuid.UUID, datetime | None, datetime | None]]] = field(
        default_factory=dict
    )
    calls: list[str] = field(default_factory=list)

    def add_contract(
        self,
        *,
        time_zone: str = "UTC",
        service_levels: list[dict[str, Any]] | None = None,
        hours: dict[str, list[list[str]]] | None = None,
        holidays: list[str] | None = None,
        queues: list[str] | None = None,
        client_id: uuid.UUID | None = None,
        versions: list[dict[str, Any]] | None = None,
    ) -> tuple[uuid.UUID, uuid.UUID]:
        contract_id, client_id = uuid.uuid4(), client_id or uuid.uuid4()
        default_hours = {d: [["00:00", "24:00"]] for d in DAYS}
        self.terms[contract_id] = {
            "contract_id": str(contract_id),
            "client_id": str(client_id),
            "operator_id": str(uuid.uuid4()),
            "time_zone": time_zone,
            "versions": versions
            or [
                {
                    "version": 1,
                    "effective_from": "2020-01-01",
                    "effective_to": None,
                    "service_levels": service_levels or [],
                    "hours": hours or default_hours,
                    "holidays": holidays or [],
                    "queues": queues or [],
                    "channels": [],
                    "service_credit_terms": {},
                }
            ],
        }
        for queue in queues or []:  # the latest registration wins (tests reuse queue names)
            self.queues.setdefault(queue, []).insert(0, (contract_id, client_id, None, None))
        return contract_id, client_id


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": "Not found", "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def caller_client(request: Request) -> str | None:
    """The tenant of the forwarded token (client/partner roles), as the real service scopes.
    The signature is the real service's business; the fake only reads the claims."""
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return None
    claims = jwt.decode(header[7:], options={"verify_signature": False})
    if claims.get("role") in ("client", "partner"):
        return claims.get("client_id")
    return None


def build_fake_contracts_app(data: FakeContracts) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/contracts/queue-lookup")
    async def queue_lookup(request: Request, queue: str, at: datetime) -> Any:
        data.calls.append(f"queue-lookup {queue}")
        tenant = caller_client(request)
        for contract_id, client_id, start, end in data.queues.get(queue, []):
            if tenant is not None and str(client_id) != tenant:
                continue
            if (start is None or at >= start) and (end is None or at < end):
                return {
                    "contract_id": str(contract_id),
                    "client_id": str(client_id),
                    "queue": queue,
                }
        return problem(404, f"no active contract claims queue {queue}")

    @app.get("/v1/contracts/{contract_id}/service-terms")
    async def service_terms(
        request: Request,
        contract_id: uuid.UUID,
        start: date = Query(alias="from"),
        end: date = Query(alias="to"),
    ) -> Any:
        data.calls.append(f"service-terms {contract_id}")
        terms = data.terms.get(contract_id)
        tenant = caller_client(request)
        if terms is None or (tenant is not None and terms["client_id"] != tenant):
            return problem(404, f"no contract {contract_id}")
        versions = [
            v
            for v in terms["versions"]
            if date.fromisoformat(v["effective_from"]) <= end
            and (v["effective_to"] is None or date.fromisoformat(v["effective_to"]) >= start)
        ]
        return {**terms, "versions": versions}

    return app

"""A small real HTTP app serving the contracts and metrics shapes billing reads.

This fakes an EXTERNAL boundary only for now: the contracts and metrics services are being
built in parallel. Once they are merged, the API tests should build their data through the real
apps (``ServiceClient(..., transport=httpx.ASGITransport(app=real_app))``) instead.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Header, HTTPException, Query
from fastapi.responses import JSONResponse

OPERATOR = {
    "legal_name": "Contact Partners Ltda.",
    "display_name": "Contact Partners",
    "tax_id": "11.222.333/0001-44",
    "billing_email": "billing@contactpartners.example",
    "country": "BR",
}


def client_party(name: str = "Acme") -> dict[str, Any]:
    return {
        "legal_name": f"{name} S.A.",
        "display_name": name,
        "tax_id": "12.345.678/0001-90",
        "billing_email": f"ap@{name.lower()}.example",
        "country": "BR",
    }


def billing_terms(
    *,
    contract_id: uuid.UUID | None = None,
    operator_id: uuid.UUID | None = None,
    currency: str = "EUR",
    start: str = "2026-01-01",
    end: str | None = None,
    termination: dict[str, Any] | None = None,
    credit_terms: dict[str, Any] | None = None,
    payment_terms_days: int = 30,
) -> dict[str, Any]:
    contract_id = contract_id or uuid.uuid4()
    return {
        "contract_id": str(contract_id),
        "client_id": str(uuid.uuid4()),
        "operator_id": str(operator_id or uuid.uuid4()),
        "number": f"CT-2026-{str(contract_id)[:4]}",
        "title": "Inbound customer support",
        "currency": currency,
        "time_zone": "America/Sao_Paulo",
        "status": "active",
        "payment_terms_days": payment_terms_days,
        "price_plan_ref": None,
        "term": {"start_date": start, "end_date": end, "renewal_type": "auto_renew"},
        "termination": termination
        or {"requested": False, "effective_date": None, "early_termination_fee": None},
        "service_credit_terms": credit_terms
        or {
            "at_risk_percent": "0",
            "credit_cap_percent": None,
            "pool_cap_percent": None,
            "bonus_rules": [],
        },
        "client": client_party(),
        "operator": OPERATOR,
    }


def usage_body(
    contract_id: str,
    period: str,
    increment: int,
    *,
    handled_contacts: int = 0,
    handled_minutes: str = "0",
    offered_contacts: int = 0,
    productive_agent_hours: str = "0",
) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "period": period,
        "period_start": f"{period}-01",
        "period_end": f"{period}-28",
        "increment_seconds": increment,
        "handled_contacts": handled_contacts,
        "handled_minutes": handled_minutes,
        "offered_contacts": offered_contacts,
        "productive_agent_hours": productive_agent_hours,
        "by_channel": {},
    }


@dataclass
class FakeUpstream:
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (contract_id, period, increment, channel, queue) -> usage answer
    usage: dict[tuple[str, str, int, str | None, str | None], dict[str, Any]] = field(
        default_factory=dict
    )
    reports: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    metrics_down_for: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    def add_contract(self, terms: dict[str, Any]) -> str:
        self.contracts[terms["contract_id"]] = terms
        return terms["contract_id"]

    def set_usage(
        self,
        contract_id: str,
        period: str,
        increment: int = 1,
        channel: str | None = None,
        queue: str | None = None,
        **figures: Any,
    ) -> None:
        self.usage[(contract_id, period, increment, channel, queue)] = usage_body(
            contract_id, period, increment, **figures
        )

    def set_report(self, contract_id: str, period: str, results: list[dict[str, Any]]) -> str:
        report_id = str(uuid.uuid4())
        self.reports[(contract_id, period)] = {
            "id": report_id,
            "contract_id": contract_id,
            "period": period,
            "period_start": f"{period}-01",
            "period_end": f"{period}-28",
            "revision": 1,
            "contract_version": 1,
            "results": results,
        }
        return report_id

    def app(self) -> FastAPI:
        app = FastAPI()

        def authorised(authorization: str | None) -> None:
            if not authorization or not authorization.startswith("Bearer "):
                raise HTTPException(401, "missing bearer token")

        def problem(status: int, detail: str) -> JSONResponse:
            return JSONResponse(
                {"type": "about:blank", "title": "error", "status": status, "detail": detail},
                status_code=status,
                media_type="application/problem+json",
            )

        @app.get("/v1/contracts/{contract_id}/billing-terms")
        async def terms(contract_id: str, on: str, authorization: str | None = Header(None)) -> Any:
            authorised(authorization)
            self.calls.append(f"billing-terms {contract_id} {on}")
            if contract_id not in self.contracts:
                return problem(404, f"no contract {contract_id}")
            return copy.deepcopy(self.contracts[contract_id])

        @app.get("/v1/contracts")
        async def contracts(
            status: str,
            active_on: str,
            limit: int = 50,
            cursor: str | None = None,
            authorization: str | None = Header(None),
        ) -> Any:
            authorised(authorization)
            ids = sorted(
                c["contract_id"]
                for c in self.contracts.values()
                if c["term"]["start_date"] <= active_on
                and (c["term"]["end_date"] is None or active_on <= c["term"]["end_date"])
            )
            start = int(cursor) if cursor else 0
            page = ids[start : start + limit]
            nxt = str(start + limit) if start + limit < len(ids) else None
            return {"items": [{"id": i} for i in page], "next_cursor": nxt, "limit": limit}

        @app.get("/v1/usage")
        async def usage(
            contract_id: str,
            period: str,
            increment_seconds: int,
            channel: str | None = None,
            queue: str | None = None,
            authorization: str | None = Header(None),
        ) -> Any:
            authorised(authorization)
            self.calls.append(f"usage {contract_id} {period} {increment_seconds} {channel}")
            if contract_id in self.metrics_down_for:
                return problem(503, "metrics is down")
            key = (contract_id, period, increment_seconds, channel, queue)
            if key not in self.usage:
                return problem(404, "no usage")
            return self.usage[key]

        @app.post("/v1/sla-reports")
        async def sla_report(body: dict[str, Any], authorization: str | None = Header(None)) -> Any:
            authorised(authorization)
            key = (body["contract_id"], body["period"])
            if body["contract_id"] in self.metrics_down_for:
                return problem(503, "metrics is down")
            if key not in self.reports:
                self.set_report(*key, [])
            return JSONResponse(self.reports[key], status_code=200)

        _ = Query
        return app

"""Stand-in for the contracts and metrics services during the billing benchmark.

Serves exactly the cross-service shapes billing reads, for ``BENCH_CONTRACTS`` deterministic
contracts with a month of usage each, so the benchmark measures billing alone. It is a benchmark
aid, not a test double: the tests use the real services. For end-to-end figures start them with
``contrato up`` and point ``BILLING_CONTRACTS_URL`` / ``BILLING_METRICS_URL`` at them.
Run: ``uvicorn upstream_stub:app --app-dir bench --port 8901``.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from fastapi import FastAPI

N = int(os.environ.get("BENCH_CONTRACTS", "1000"))
NAMESPACE = uuid.UUID("6f1d3c4e-0000-4000-8000-000000000b11")
OPERATOR_ID = str(uuid.uuid5(NAMESPACE, "operator"))


def contract_id(i: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"contract-{i}"))


IDS = [contract_id(i) for i in range(N)]
INDEX = {c: i for i, c in enumerate(IDS)}

app = FastAPI()


def party(name: str) -> dict[str, Any]:
    return {
        "legal_name": f"{name} Ltd",
        "display_name": name,
        "tax_id": "X-1",
        "billing_email": "ap@example.com",
        "country": "PT",
    }


@app.get("/v1/contracts")
async def contracts(status: str, active_on: str, limit: int = 50, cursor: str | None = None) -> Any:
    start = int(cursor or 0)
    nxt = str(start + limit) if start + limit < N else None
    return {
        "items": [{"id": c} for c in IDS[start : start + limit]],
        "next_cursor": nxt,
        "limit": limit,
    }


@app.get("/v1/contracts/{cid}/billing-terms")
async def billing_terms(cid: str, on: str) -> Any:
    i = INDEX[cid]
    return {
        "contract_id": cid,
        "client_id": str(uuid.uuid5(NAMESPACE, f"client-{i}")),
        "operator_id": OPERATOR_ID,
        "number": f"CT-2026-{i:04d}",
        "title": "Support",
        "currency": "EUR",
        "time_zone": "Europe/Lisbon",
        "status": "active",
        "payment_terms_days": 30,
        "price_plan_ref": None,
        "term": {"start_date": "2025-01-01", "end_date": None, "renewal_type": "evergreen"},
        "termination": {"requested": False, "effective_date": None, "early_termination_fee": None},
        "service_credit_terms": {
            "at_risk_percent": "10",
            "credit_cap_percent": None,
            "pool_cap_percent": "100",
            "bonus_rules": [],
        },
        "client": party(f"Client {i}"),
        "operator": party("Operator"),
    }


@app.get("/v1/usage")
async def usage(
    contract_id: str,
    period: str,
    increment_seconds: int,
    channel: str | None = None,
    queue: str | None = None,
) -> Any:
    i = INDEX[contract_id]
    return {
        "contract_id": contract_id,
        "period": period,
        "period_start": f"{period}-01",
        "period_end": f"{period}-28",
        "increment_seconds": increment_seconds,
        "handled_contacts": 10000 + i * 7,
        "handled_minutes": f"{40000 + i * 13}.{i % 10}",
        "offered_contacts": 11000 + i * 7,
        "productive_agent_hours": f"{1500 + i}.25",
        "by_channel": {},
    }


@app.post("/v1/sla-reports")
async def sla_report(body: dict[str, Any]) -> Any:
    i = INDEX[body["contract_id"]]
    results = [
        {
            "key": "sl",
            "metric": "service_level",
            "target": "0.80",
            "direction": "at_least",
            "measured": "0.76" if i % 3 == 0 else "0.84",
            "status": "missed" if i % 3 == 0 else "met",
            "pool_share": "0.5",
            "critical": False,
            "numerator": None,
            "denominator": None,
            "margin": None,
            "windows": [],
            "misses": 0,
        },
        {
            "key": "asa",
            "metric": "asa",
            "target": "30",
            "direction": "at_most",
            "measured": "25",
            "status": "met",
            "pool_share": "0.5",
            "critical": False,
            "numerator": None,
            "denominator": None,
            "margin": None,
            "windows": [],
            "misses": 0,
        },
    ]
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"report-{i}-{body['period']}")),
        "contract_id": body["contract_id"],
        "period": body["period"],
        "period_start": f"{body['period']}-01",
        "period_end": f"{body['period']}-28",
        "revision": 1,
        "contract_version": 1,
        "results": results,
    }

"""Builders for contract API tests: an operator, a client, an MSA and an SLA under it."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from tests.contracts.test_organizations import OPERATOR, client_body

SIGNERS = [
    {"name": "Ana Souza", "email": "ana@acme.example", "role": "COO", "party": "client"},
    {"name": "Rui Lima", "email": "rui@bpo.example", "role": "CEO", "party": "operator"},
]

TERM = {
    "start_date": "2027-01-01",
    "initial_term_months": 12,
    "renewal_type": "auto_renew",
    "renewal_term_months": 12,
    "notice_days": 90,
    "reminder_lead_days": 30,
}

SLA: dict[str, Any] = {
    "type": "SLA",
    "title": "Acme care service levels",
    "currency": "BRL",
    "scope": {
        "channels": ["voice", "chat"],
        "services": ["inbound_support"],
        "languages": ["pt-BR"],
        "queues": ["acme-voice"],
        "hours": {"mon": [["08:00", "20:00"]], "sat": [["09:00", "13:00"]]},
        "holidays": ["2027-01-01"],
    },
    "pricing": {
        "payment_terms_days": 30,
        "price_plan_ref": "PP-ACME",
        "minimum_monthly_commitment": "10000.00",
    },
    "term": TERM,
    "termination": {
        "for_convenience": True,
        "notice_days": 60,
        "early_termination_fee": {"kind": "months_of_minimum", "months": 3},
    },
    "service_levels": [
        {
            "key": "voice_sl",
            "metric": "service_level",
            "threshold_seconds": 20,
            "target": "0.80",
            "channels": ["voice"],
            "critical": True,
            "pool_share": "0.6",
        },
        {"key": "voice_asa", "metric": "asa", "target": "30", "pool_share": "0.4"},
    ],
    "service_credit_terms": {"at_risk_percent": "10", "credit_cap_percent": "10"},
}


def sla(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(SLA)
    body.update(changes)
    return body


async def post(client: httpx.AsyncClient, url: str, body: Any = None, status: int = 201) -> Any:
    response = await client.post(url, json=body)
    assert response.status_code == status, response.text
    return response.json()


async def parties(client: httpx.AsyncClient) -> tuple[dict, dict]:
    operator = await post(client, "/v1/organizations", OPERATOR)
    acme = await post(client, "/v1/organizations", client_body("Acme"))
    return operator, acme


async def msa(client: httpx.AsyncClient, client_id: str) -> dict:
    return await post(
        client,
        "/v1/contracts",
        {
            "type": "MSA",
            "title": "Acme master agreement",
            "client_id": client_id,
            "currency": "BRL",
            "term": {"start_date": "2027-01-01", "renewal_type": "evergreen"},
        },
    )


async def sign_through(client: httpx.AsyncClient, contract_id: str) -> dict:
    """Submit, approve, send for signature and have both parties sign."""
    base = f"/v1/contracts/{contract_id}"
    await post(client, f"{base}/actions/submit", {"reason": "ready"}, 200)
    await post(client, f"{base}/actions/approve", {"reason": "legal ok"}, 200)
    await post(client, f"{base}/actions/send_for_signature", {"signers": SIGNERS}, 200)
    for signer in SIGNERS:
        await post(client, f"{base}/signatures", {"email": signer["email"]})
    response = await client.get(base)
    assert response.status_code == 200
    return response.json()


async def signed_sla(client: httpx.AsyncClient, **changes: Any) -> tuple[dict, dict]:
    """(client organization, signed SLA contract)."""
    _, acme = await parties(client)
    body = sla(client_id=acme["id"], **changes)
    created = await post(client, "/v1/contracts", body)
    return acme, await sign_through(client, created["id"])

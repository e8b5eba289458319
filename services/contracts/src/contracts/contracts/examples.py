"""Example answers for the OpenAPI document (requests carry theirs in schemas.py)."""

from typing import Any

CONTRACT_ID = "0193a6f2-4c1d-7e55-9b2a-5d1f3c8e7a10"
CLIENT_ID = "0193a6f1-0b2c-7d44-8a19-4c0e2b7d6f01"
OPERATOR_ID = "0193a6f0-9a1b-7c33-8f08-3b9d1a6c5e00"
AT = "2026-11-29T10:15:00Z"

SERVICE_LEVEL: dict[str, Any] = {
    "key": "voice_sl",
    "metric": "service_level",
    "threshold_seconds": 20,
    "strict": False,
    "target": "0.80",
    "direction": "at_least",
    "window": "month",
    "channels": ["voice"],
    "queues": [],
    "business_hours_only": False,
    "short_abandon_seconds": 0,
    "variant": "answered_over_offered",
    "include_flow_outs": False,
    "csat_mode": None,
    "critical": True,
    "pool_share": "0.6",
    "bonus_target": None,
}

TERM: dict[str, Any] = {
    "start_date": "2027-01-31",
    "initial_term_months": 12,
    "end_date": None,
    "renewal_type": "auto_renew",
    "renewal_term_months": 12,
    "max_renewals": None,
    "notice_days": 90,
    "reminder_lead_days": 30,
}

SCHEDULE: dict[str, Any] = {
    "on": "2028-02-01",
    "renewals_done": 1,
    "period_start": "2028-01-31",
    "period_end": "2029-01-30",
    "notice_deadline": "2028-11-01",
    "next_renewal_date": "2029-01-31",
    "final_end": None,
}

CONTRACT: dict[str, Any] = {
    "id": CONTRACT_ID,
    "number": "CT-2026-0042",
    "type": "SLA",
    "title": "Acme customer care — service levels",
    "client_id": CLIENT_ID,
    "client_name": "Acme",
    "operator_id": OPERATOR_ID,
    "parent_id": "0193a6f2-1111-7000-8000-000000000001",
    "supersedes_id": None,
    "currency": "BRL",
    "time_zone": "America/Sao_Paulo",
    "stage": "signed",
    "status": "active",
    "as_of": "2028-02-01",
    "version": 2,
    "version_stage": "signed",
    "effective_from": "2027-07-01",
    "effective_to": None,
    "open_version": None,
    "allowed_actions": [],
    "schedule": SCHEDULE,
    "termination_request": {"requested": False},
    "versions": [
        {
            "version": 1,
            "stage": "signed",
            "effective_from": "2027-01-31",
            "effective_to": "2027-06-30",
            "change_summary": None,
            "document_sha256": "3f1c9e0b5d2a47c8e6f10b9a8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d",
            "signed_at": AT,
        },
        {
            "version": 2,
            "stage": "signed",
            "effective_from": "2027-07-01",
            "effective_to": None,
            "change_summary": "Service level target raised to 85%",
            "document_sha256": "9a0e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a",
            "signed_at": AT,
        },
    ],
    "scope": {
        "channels": ["voice"],
        "queues": ["acme-voice"],
        "hours": {"mon": [["08:00", "20:00"]]},
    },
    "term": TERM,
    "service_levels": [{**SERVICE_LEVEL, "target": "0.85"}],
    "service_credit_terms": {"at_risk_percent": "10", "credit_cap_percent": "10"},
    "revision": 14,
    "created_by": "user:rui",
    "created_at": AT,
    "updated_at": AT,
}

SUMMARY: dict[str, Any] = {
    "id": CONTRACT_ID,
    "number": "CT-2026-0042",
    "type": "SLA",
    "title": "Acme customer care — service levels",
    "client_id": CLIENT_ID,
    "client_name": "Acme",
    "parent_id": None,
    "currency": "BRL",
    "time_zone": "America/Sao_Paulo",
    "stage": "signed",
    "status": "active",
    "start_date": "2027-01-31",
    "period_end": "2028-01-30",
    "notice_deadline": "2027-11-01",
    "final_end": None,
    "renewals_done": 0,
    "termination_effective_date": None,
    "created_at": AT,
}

VERSION: dict[str, Any] = {
    "contract_id": CONTRACT_ID,
    "currency": "BRL",
    "version": 2,
    "stage": "draft",
    "effective_from": "2027-07-01",
    "effective_to": None,
    "change_summary": "Service level target raised to 85%",
    "document_sha256": None,
    "signed_at": None,
    "allowed_actions": ["submit", "cancel"],
    "created_by": "user:rui",
    "created_at": AT,
    "term": TERM,
    "service_levels": [{**SERVICE_LEVEL, "target": "0.85"}],
}

SIGNER: dict[str, Any] = {
    "version": 1,
    "name": "Ana Souza",
    "email": "ana@acme.example",
    "role": "COO",
    "party": "client",
    "required": True,
    "signed_at": AT,
    "ip": "203.0.113.7",
    "user_agent": "Mozilla/5.0",
    "document_sha256": "3f1c9e0b5d2a47c8e6f10b9a8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d",
}

EVENT: dict[str, Any] = {
    "id": "0193a6f9-2222-7000-8000-000000000009",
    "contract_id": CONTRACT_ID,
    "client_id": CLIENT_ID,
    "type": "contract.renewed",
    "version": 2,
    "actor": "system",
    "occurred_at": AT,
    "data": {
        "renewals_done": 1,
        "period_start": "2028-01-31",
        "period_end": "2029-01-30",
        "notice_deadline": "2028-11-01",
    },
}

REMINDER: dict[str, Any] = {
    "contract": SUMMARY,
    "kind": "notice_deadline",
    "due_on": "2027-11-01",
    "days_left": 12,
}

SERVICE_TERMS: dict[str, Any] = {
    "contract_id": CONTRACT_ID,
    "client_id": CLIENT_ID,
    "operator_id": OPERATOR_ID,
    "time_zone": "America/Sao_Paulo",
    "versions": [
        {
            "version": 1,
            "effective_from": "2027-01-31",
            "effective_to": "2027-06-30",
            "service_levels": [SERVICE_LEVEL],
            "hours": {
                "mon": [["08:00", "20:00"]],
                "tue": [["08:00", "20:00"]],
                "wed": [["08:00", "20:00"]],
                "thu": [["08:00", "20:00"]],
                "fri": [["08:00", "20:00"]],
                "sat": [["09:00", "13:00"]],
                "sun": [],
            },
            "holidays": ["2027-04-21"],
            "queues": ["acme-voice"],
            "channels": ["voice"],
            "service_credit_terms": {
                "at_risk_percent": "10",
                "credit_cap_percent": "10",
                "pool_cap_percent": "100",
                "bonus_rules": [],
            },
        }
    ],
}

PARTY: dict[str, Any] = {
    "legal_name": "Acme S.A.",
    "display_name": "Acme",
    "tax_id": "12.345.678/0001-90",
    "billing_email": "ap@acme.example",
    "country": "BR",
}

BILLING_TERMS: dict[str, Any] = {
    "contract_id": CONTRACT_ID,
    "client_id": CLIENT_ID,
    "operator_id": OPERATOR_ID,
    "number": "CT-2026-0042",
    "title": "Acme customer care — service levels",
    "currency": "BRL",
    "time_zone": "America/Sao_Paulo",
    "on": "2028-05-01",
    "version": 2,
    "status": "terminated",
    "payment_terms_days": 30,
    "price_plan_ref": "PP-ACME",
    "minimum_monthly_commitment": "10000.00",
    "term": {
        "start_date": "2027-01-31",
        "end_date": "2029-01-30",
        "renewal_type": "auto_renew",
        "renewal_term_months": 12,
        "max_renewals": None,
        "renewals_done": 1,
        "notice_days": 90,
        "notice_deadline": "2028-11-01",
        "next_renewal_date": None,
        "final_end": "2028-04-29",
    },
    "termination": {
        "requested": True,
        "effective_date": "2028-04-29",
        "early_termination_fee": "30000.00",
    },
    "service_credit_terms": {
        "at_risk_percent": "10",
        "credit_cap_percent": "10",
        "pool_cap_percent": "100",
        "bonus_rules": [
            {"service_level_key": "voice_sl", "bonus_target": "0.90", "bonus_percent": "2"}
        ],
    },
    "client": PARTY,
    "operator": {
        **PARTY,
        "legal_name": "Contact Partners Ltda.",
        "display_name": "Contact Partners",
    },
}

"""`contrato seed`: a believable operator's quarter, loaded through the public API.

An operator and six clients in five countries; their contracts (MSAs with SLA and SOW
children, an NDA, one contract in each status — pending, active, expiring, terminating,
expired, terminated, superseded — one auto-renewed, one terminated early with a fee, drafts
still in review); a price plan per billable contract covering every charge model; then three
months of contact records and agent activity from the queue simulation in `traffic.py`, sent in
bulk batches (a few batches twice, some records updated later, as real platforms do). The first
two months are closed: SLA reports, invoice run, invoices issued. The last month is left open
for the walkthrough.

Everything goes through the gateway with an admin token, so the seed exercises what partners
and front ends use. The same seed and "until" month always give the same traffic and money,
whatever the date: by default the quarter is August to October 2026 (the README's walkthrough
figures). The contract story (expiring this month, terminating, pending) is told from the day it
is loaded. The seed loads only into an empty platform.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from contrato.demo.traffic import (
    WEEKDAYS,
    ContractTraffic,
    QueueProfile,
    agent_activity,
    as_json,
    contact_records,
)

BATCH = 5_000
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class SeedError(RuntimeError):
    pass


def month_start(day: date, months: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def weekdays(opens: str, closes: str, saturday: tuple[str, str] | None = None) -> dict:
    hours: dict[str, list[list[str]]] = {d: [[opens, closes]] for d in WEEKDAYS[:5]}
    hours["sat"] = [list(saturday)] if saturday else []
    hours["sun"] = []
    return hours


@dataclass
class Api:
    """A thin gateway client that turns a problem answer into a SeedError with its detail."""

    http: httpx.AsyncClient

    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = await self.http.request(method, path, json=body, params=params or None)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:300]}
            fields = "; ".join(f"{e['field']}: {e['message']}" for e in problem.get("errors", []))
            raise SeedError(
                f"{method} {path} -> {response.status_code}: {problem.get('detail')} {fields}"
            )
        return response.json() if response.content else None

    async def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return await self.call("POST", path, body, **params)

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, **params)


@dataclass
class ClientPlan:
    """One client of the demo: who it is and what it signed."""

    key: str
    legal_name: str
    display_name: str
    country: str
    time_zone: str
    currency: str
    tax: tuple[str, str, str] | None  # (code, name, rate %)
    org_id: str = ""
    contracts: dict[str, str] = field(default_factory=dict)


CLIENTS = [
    ClientPlan("acme", "Acme Telecom S.A.", "Acme Telecom", "BR", "America/Sao_Paulo", "BRL",
               ("BR-ISS-SP", "ISS São Paulo", "5.00")),
    ClientPlan("globex", "Globex Banco, S.A.", "Globex Bank", "PT", "Europe/Lisbon", "EUR",
               ("PT-IVA", "IVA Portugal", "23.00")),
    ClientPlan("initech", "Initech Software Inc.", "Initech", "US", "America/New_York", "USD",
               None),
    ClientPlan("umbrella", "Umbrella Health LLC", "Umbrella Health", "US", "America/Chicago",
               "USD", None),
    ClientPlan("stark", "Stark Retail S.A. de C.V.", "Stark Retail", "MX",
               "America/Mexico_City", "MXN", ("MX-IVA", "IVA México", "16.00")),
    ClientPlan("wayne", "Wayne Energía S.A.S.", "Wayne Energy", "CO", "America/Bogota", "COP",
               ("CO-IVA", "IVA Colombia", "19.00")),
]  # fmt: skip

# Where each client receives its invoices (postal_address of the organizations API).
ADDRESSES: dict[str, dict[str, Any]] = {
    "acme": {
        "lines": ["Av. Engenheiro Luís Carlos Berrini, 1500", "12º andar"],
        "city": "São Paulo",
        "region": "SP",
        "postal_code": "04571-000",
        "country": "BR",
    },
    "globex": {
        "lines": ["Avenida da Liberdade, 110"],
        "city": "Lisboa",
        "postal_code": "1269-046",
        "country": "PT",
    },
    "initech": {
        "lines": ["4120 Freidrich Lane", "Suite 300"],
        "city": "Austin",
        "region": "TX",
        "postal_code": "78744",
        "country": "US",
    },
    "umbrella": {
        "lines": ["545 N Michigan Ave"],
        "city": "Chicago",
        "region": "IL",
        "postal_code": "60611",
        "country": "US",
    },
    "stark": {
        "lines": ["Av. Paseo de la Reforma 250", "Piso 8"],
        "city": "Ciudad de México",
        "region": "CDMX",
        "postal_code": "06600",
        "country": "MX",
    },
    "wayne": {
        "lines": ["Carrera 7 # 71-21", "Torre B, Oficina 902"],
        "city": "Bogotá",
        "region": "Bogotá D.C.",
        "postal_code": "110231",
        "country": "CO",
    },
}
OPERATOR_ADDRESS = {
    "lines": ["Av. Paulista, 1842", "Conjunto 155"],
    "city": "São Paulo",
    "region": "SP",
    "postal_code": "01310-200",
    "country": "BR",
}
OPERATOR_REMITTANCE = {
    "payee": "Contact Partners Serviços Ltda.",
    "bank": "Banco do Brasil S.A.",
    "account": "Agência 3336-7, conta corrente 45.210-9",
    "iban": "BR15 0000 0000 0000 1093 2840 814P 2",
    "swift_bic": "BRASBRRJSPO",
    "reference_instructions": "Quote the invoice number (INV-…) as the payment reference.",
}

SIGNERS = {
    "acme": ("Ana Souza", "ana@acme.example"),
    "globex": ("Rui Costa", "rui@globex.example"),
    "initech": ("Bill Lumbergh", "bill@initech.example"),
    "umbrella": ("Alice Abernathy", "alice@umbrella.example"),
    "stark": ("Pepper Ruiz", "pepper@stark.example"),
    "wayne": ("Lucius Fox", "lucius@wayne.example"),
}
OPERATOR_SIGNER = ("Marina Lopes", "marina@contactpartners.example")


def service_levels(
    prefix: str, *, chat: bool = False, tight: bool = False, csat_share: bool = False
) -> list[dict]:
    target = "0.85" if tight else "0.80"
    levels: list[dict[str, Any]] = [
        {"key": f"{prefix}_voice_sl", "name": f"Voice calls answered in 20 s ({target[2:]} %)",
         "metric": "service_level", "threshold_seconds": 20,
         "target": target, "channels": ["voice"], "business_hours_only": True,
         "short_abandon_seconds": 5, "pool_share": "0.4", "critical": True},
        {"key": f"{prefix}_asa", "name": "Average speed of answer", "metric": "asa", "target": "30", "channels": ["voice"],
         "pool_share": "0.2"},
        {"key": f"{prefix}_abandonment", "name": "Abandoned calls", "metric": "abandonment_rate", "target": "0.05",
         "channels": ["voice"], "short_abandon_seconds": 5, "pool_share": "0.2"},
        {"key": f"{prefix}_csat", "name": "Customer satisfaction (top 2 boxes)", "metric": "csat", "target": "0.92" if csat_share else "0.80",
         "csat_mode": "top2"},
    ]  # fmt: skip
    if csat_share:  # a demanding satisfaction target with money on it: often missed
        levels[0]["pool_share"], levels[1]["pool_share"] = "0.35", "0.15"
        levels[3]["pool_share"] = "0.15"
    if chat:
        levels.append(
            {"key": f"{prefix}_chat_sl", "name": "Chats answered in 60 s",
             "metric": "service_level", "threshold_seconds": 60,
             "target": "0.80", "channels": ["chat"],
             "pool_share": "0.15" if csat_share else "0.2"}
        )  # fmt: skip
    else:
        levels[2]["pool_share"] = "0.4"
    return levels


class Seeder:
    def __init__(self, api: Api, *, seed: int, until: date, records: int, progress: Progress):
        self.api = api
        self.seed = seed
        self.first_month = month_start(until, -2)
        self.last_month = month_start(until)
        self.data_end = month_start(until, 1)  # exclusive
        self.target_records = records
        self.progress = progress
        # The story's statuses (a contract expiring this month, one terminating, one pending)
        # are told from the day it is loaded; the quarter's traffic and money never depend on
        # it: every contract that carries traffic covers the quarter whatever the date.
        self.today = date.today()
        self.rng = random.Random(seed)
        self.traffic: list[ContractTraffic] = []
        self.summary: dict[str, Any] = {"clients": 0, "contracts": 0, "records": 0}

    # --- organizations and contracts -------------------------------------------------------

    async def organizations(self) -> None:
        operator = await self.api.post("/v1/organizations", {
            "kind": "operator", "legal_name": "Contact Partners Serviços Ltda.",
            "display_name": "Contact Partners", "country": "BR", "tax_id": "12.345.678/0001-90",
            "billing_email": "billing@contactpartners.example", "time_zone": "America/Sao_Paulo",
            "postal_address": OPERATOR_ADDRESS, "remittance": OPERATOR_REMITTANCE,
        })  # fmt: skip
        self.summary["operator_id"] = operator["id"]
        for client in CLIENTS:
            created = await self.api.post("/v1/organizations", {
                "legal_name": client.legal_name, "display_name": client.display_name,
                "country": client.country, "time_zone": client.time_zone,
                "tax_id": f"{client.country}-{self.rng.randrange(10**8, 10**9)}",
                "billing_email": f"accounts-payable@{client.key}.example",
                "postal_address": ADDRESSES[client.key],
            })  # fmt: skip
            client.org_id = created["id"]
        self.summary["clients"] = len(CLIENTS)

    async def draft(self, client: ClientPlan, key: str, body: dict[str, Any]) -> str:
        created = await self.api.post("/v1/contracts", {
            "client_id": client.org_id, "currency": client.currency, **body,
        })  # fmt: skip
        client.contracts[key] = created["id"]
        self.summary["contracts"] += 1
        return str(created["id"])

    async def sign(self, client: ClientPlan, contract_id: str, until: str = "signed") -> None:
        """Walk a draft through review and signature (or stop at ``until``)."""
        path = f"/v1/contracts/{contract_id}/actions"
        await self.api.post(f"{path}/submit", {"reason": "Ready for legal review"})
        if until == "in_review":
            return
        await self.api.post(f"{path}/approve", {"reason": "Legal and finance approved"})
        name, email = SIGNERS[client.key]
        await self.api.post(f"{path}/send_for_signature", {"reason": "Final", "signers": [
            {"name": name, "email": email, "role": "COO", "party": "client"},
            {"name": OPERATOR_SIGNER[0], "email": OPERATOR_SIGNER[1], "role": "CEO",
             "party": "operator"},
        ]})  # fmt: skip
        if until == "out_for_signature":
            return
        for signer in (email, OPERATOR_SIGNER[1]):
            await self.api.post(f"/v1/contracts/{contract_id}/signatures", {"email": signer})

    async def contracts(self) -> None:
        d0, today = self.first_month, self.today
        iso = date.isoformat
        acme, globex, initech, umbrella, stark, wayne = CLIENTS

        # Acme: NDA, MSA, the SLA that replaced an older one, a back-office SOW.
        nda = await self.draft(acme, "nda", {
            "type": "NDA", "title": "Acme mutual NDA",
            "term": {"start_date": iso(d0 - timedelta(days=420)), "renewal_type": "evergreen"},
            "confidentiality": {"classification": "confidential", "regulations": ["LGPD"],
                                "retention_days": 730, "pseudonymize_caller_ids": True},
        })  # fmt: skip
        await self.sign(acme, nda)
        msa = await self.draft(acme, "msa", {
            "type": "MSA", "title": "Acme master services agreement",
            "term": {"start_date": iso(d0 - timedelta(days=400)), "renewal_type": "evergreen"},
            "confidentiality": {"classification": "confidential", "regulations": ["LGPD"],
                                "retention_days": 730, "pseudonymize_caller_ids": True,
                                "nda_contract_id": nda},
            "indemnification": {"liability_cap": {"kind": "multiple_of_annual_fees",
                                                   "multiple": "1.5"},
                                "carve_outs": ["gross negligence", "data breach"]},
        })  # fmt: skip
        await self.sign(acme, msa)
        hours = weekdays("08:00", "20:00", ("09:00", "15:00"))
        holidays = [iso(d) for d in brazilian_holidays(d0.year) + brazilian_holidays(d0.year + 1)]
        acme_scope = {
            "channels": ["voice", "chat"], "services": ["inbound support", "technical support"],
            "languages": ["pt-BR"], "queues": ["acme-support", "acme-sales", "acme-chat"], "hours": hours,
            "holidays": holidays,
        }  # fmt: skip
        old = await self.draft(acme, "sla_2024", {
            "type": "SLA", "title": "Acme customer care (first generation)", "parent_id": msa,
            "scope": acme_scope, "service_levels": service_levels("acme", chat=True),
            "term": {"start_date": iso(d0 - timedelta(days=380)), "initial_term_months": 24,
                     "renewal_type": "fixed", "notice_days": 60},
            "service_credit_terms": {"at_risk_percent": "10", "credit_cap_percent": "10"},
        })  # fmt: skip
        await self.sign(acme, old)
        sla = await self.draft(acme, "sla", {
            "type": "SLA", "title": "Acme customer care", "parent_id": msa, "supersedes_id": old,
            "scope": acme_scope, "service_levels": service_levels("acme", chat=True, csat_share=True),
            "pricing": {"payment_terms_days": 30, "minimum_monthly_commitment": "150000.00",
                        "summary": "Management fee, per-minute voice bands, per-chat fee",
                        "price_plan_ref": "Acme care 2026", "rate_card": [
                            {"charge": "Management fee", "price": "45000.00", "unit": "per month"},
                            {"charge": "Handled voice minutes", "price": "0.62",
                             "unit": "per minute (6 s increments)",
                             "notes": "0.55 over 150,000 up to 300,000 minutes; 0.49 over 300,000"},
                            {"charge": "Handled chats", "price": "2.35", "unit": "per chat"},
                            {"charge": "Set-up and training", "price": "25000.00",
                             "unit": "once"}]},
            "term": {"start_date": iso(d0), "initial_term_months": 24,
                     "renewal_type": "auto_renew", "renewal_term_months": 12, "notice_days": 90},
            "termination": {"for_convenience": True, "notice_days": 90,
                            "early_termination_fee": {"kind": "months_of_minimum", "months": 3}},
            "service_credit_terms": {"at_risk_percent": "12", "credit_cap_percent": "12",
                                     "bonus_rules": [{"service_level_key": "acme_csat",
                                                      "bonus_target": "0.90",
                                                      "bonus_percent": "1"}]},
        })  # fmt: skip
        await self.sign(acme, sla)
        sow = await self.draft(acme, "sow", {
            "type": "SOW", "title": "Acme back-office e-mail", "parent_id": msa,
            "scope": {"channels": ["email"], "services": ["back office"], "queues": ["acme-email"],
                      "hours": weekdays("08:00", "18:00")},
            "term": {"start_date": iso(d0), "renewal_type": "evergreen", "notice_days": 30},
        })  # fmt: skip
        await self.sign(acme, sow)

        # Globex: an SLA whose 12-month term has already renewed once.
        globex_msa = await self.draft(globex, "msa", {
            "type": "MSA", "title": "Globex master agreement",
            "term": {"start_date": iso(month_start(d0, -15)), "renewal_type": "evergreen"},
        })  # fmt: skip
        await self.sign(globex, globex_msa)
        globex_sla = await self.draft(globex, "sla", {
            "type": "SLA", "title": "Globex retail banking care", "parent_id": globex_msa,
            "scope": {"channels": ["voice"], "queues": ["globex-voice"],
                      "hours": weekdays("08:00", "22:00", ("09:00", "18:00")),
                      "languages": ["pt-PT", "en-GB"]},
            "service_levels": service_levels("globex", tight=True),
            "term": {"start_date": iso(month_start(d0, -14)), "initial_term_months": 12,
                     "renewal_type": "auto_renew", "renewal_term_months": 12, "notice_days": 60},
            "service_credit_terms": {"at_risk_percent": "8", "credit_cap_percent": "8"},
        })  # fmt: skip
        await self.sign(globex, globex_sla)

        # Initech: terminated for convenience, effective after the data window (terminating).
        initech_sla = await self.draft(initech, "sla", {
            "type": "SLA", "title": "Initech product support",
            "scope": {"channels": ["voice"], "queues": ["initech-support"],
                      "hours": weekdays("09:00", "18:00")},
            "service_levels": service_levels("initech"),
            "pricing": {"payment_terms_days": 45, "minimum_monthly_commitment": "20000.00"},
            "term": {"start_date": iso(month_start(d0, -6)), "initial_term_months": 24,
                     "renewal_type": "auto_renew", "renewal_term_months": 12, "notice_days": 30},
            "termination": {"for_convenience": True, "notice_days": 30,
                            "early_termination_fee": {"kind": "months_of_minimum", "months": 3}},
            "service_credit_terms": {"at_risk_percent": "10", "credit_cap_percent": "10"},
        })  # fmt: skip
        await self.sign(initech, initech_sla)
        await self.api.post(f"/v1/contracts/{initech_sla}/termination", {
            "kind": "convenience", "reason": "Bringing support in-house",
            "notice_date": iso(today), "effective_date": iso(today + timedelta(days=45)),
        })  # fmt: skip

        # Umbrella: a pilot that expired, and the real SLA signed but not started (pending).
        pilot = await self.draft(umbrella, "pilot", {
            "type": "SOW", "title": "Umbrella nurse line pilot",
            "scope": {"channels": ["voice"], "queues": ["umbrella-pilot"],
                      "hours": weekdays("07:00", "19:00")},
            "term": {"start_date": iso(month_start(d0, -8)), "initial_term_months": 6,
                     "renewal_type": "fixed"},
            "confidentiality": {"classification": "restricted", "regulations": ["HIPAA"],
                                "retention_days": 2190, "pseudonymize_caller_ids": True},
        })  # fmt: skip
        await self.sign(umbrella, pilot)
        pending = await self.draft(umbrella, "sla", {
            "type": "SLA", "title": "Umbrella nurse line",
            "scope": {"channels": ["voice"], "queues": ["umbrella-nurse"],
                      "hours": weekdays("00:00", "24:00", ("00:00", "24:00"))},
            "service_levels": service_levels("umbrella", tight=True),
            "term": {"start_date": iso(month_start(today, 1)), "initial_term_months": 36,
                     "renewal_type": "auto_renew", "renewal_term_months": 12, "notice_days": 120},
            "confidentiality": {"classification": "restricted", "regulations": ["HIPAA"],
                                "retention_days": 2190, "pseudonymize_caller_ids": True},
            "service_credit_terms": {"at_risk_percent": "15", "credit_cap_percent": "15"},
        })  # fmt: skip
        await self.sign(umbrella, pending)

        # Stark: an SLA in its final month (expiring), a SOW terminated for cause. The SLA
        # starts a year before this month, or before the quarter if that is earlier, and ends
        # with this month.
        stark_start = min(month_start(today, -11), month_start(d0, -1))
        stark_months = (today.year - stark_start.year) * 12 + today.month - stark_start.month + 1
        stark_sla = await self.draft(stark, "sla", {
            "type": "SLA", "title": "Stark Retail order line",
            "scope": {"channels": ["voice"], "queues": ["stark-orders"],
                      "hours": weekdays("08:00", "21:00", ("10:00", "18:00"))},
            "service_levels": service_levels("stark"),
            "term": {"start_date": iso(stark_start), "initial_term_months": stark_months,
                     "renewal_type": "fixed", "notice_days": 60, "reminder_lead_days": 30},
            "service_credit_terms": {"at_risk_percent": "10", "credit_cap_percent": "10"},
        })  # fmt: skip
        await self.sign(stark, stark_sla)
        stark_sow = await self.draft(stark, "sow", {
            "type": "SOW", "title": "Stark collections campaign",
            "scope": {"channels": ["voice"], "services": ["collections"],
                      "queues": ["stark-collections"], "hours": weekdays("09:00", "17:00")},
            "term": {"start_date": iso(month_start(d0, -5)), "initial_term_months": 12,
                     "renewal_type": "fixed"},
            "termination": {"for_convenience": False, "for_cause_grounds": ["compliance breach"]},
        })  # fmt: skip
        await self.sign(stark, stark_sow)
        await self.api.post(f"/v1/contracts/{stark_sow}/termination", {
            "kind": "cause", "reason": "Repeated compliance breach in the campaign scripts",
            "notice_date": iso(d0 + timedelta(days=20)),
            "effective_date": iso(d0 + timedelta(days=20)),
        })  # fmt: skip

        # Wayne: still negotiating — one SLA in review, one out for signature.
        for key, title, stage in (("sla", "Wayne outage hotline", "in_review"),
                                  ("sow", "Wayne billing back office", "out_for_signature")):  # fmt: skip
            contract = await self.draft(wayne, key, {
                "type": "SLA" if key == "sla" else "SOW", "title": title,
                "scope": {"channels": ["voice"], "queues": [f"wayne-{key}"],
                          "hours": weekdays("07:00", "19:00")},
                "service_levels": service_levels("wayne") if key == "sla" else [],
                "term": {"start_date": iso(month_start(today, 2)), "initial_term_months": 12,
                         "renewal_type": "auto_renew", "renewal_term_months": 12,
                         "notice_days": 60},
                **({"service_credit_terms": {"at_risk_percent": "10"}} if key == "sla" else {}),
            })  # fmt: skip
            await self.sign(wayne, contract, until=stage)

        # The traffic each billable contract's queues carry in the data window.
        self.traffic = [
            ContractTraffic(sla, acme.time_zone, hours, frozenset(date.fromisoformat(h) for h in holidays), (
                QueueProfile("acme-support", "voice", 2000, 330, patience_seconds=80),
                QueueProfile("acme-sales", "voice", 400, 260, patience_seconds=60),
                QueueProfile("acme-chat", "chat", 900, 540, 0.5, 300, None, 0.95),
            ), bad_days=self.bad_days(4, 0.55)),
            ContractTraffic(sow, acme.time_zone, weekdays("08:00", "18:00"), frozenset(), (
                QueueProfile("acme-email", "email", 500, 420, 0.4, 86_400, None, 1.0),
            )),
            ContractTraffic(globex_sla, globex.time_zone, weekdays("08:00", "22:00", ("09:00", "18:00")),
                            frozenset(), (QueueProfile("globex-voice", "voice", 1500, 280, patience_seconds=110),),
                            bad_days=self.bad_days(2, 0.7)),
            ContractTraffic(initech_sla, initech.time_zone, weekdays("09:00", "18:00"), frozenset(), (
                QueueProfile("initech-support", "voice", 700, 540, 0.5, 120, staffing=0.88),
            )),
            ContractTraffic(stark_sla, stark.time_zone, weekdays("08:00", "21:00", ("10:00", "18:00")),
                            frozenset(), (QueueProfile("stark-orders", "voice", 1100, 240, patience_seconds=70),),
                            bad_days=self.bad_days(6, 0.65)),
        ]  # fmt: skip

    def bad_days(self, count: int, factor: float) -> dict[date, float]:
        span = (self.data_end - self.first_month).days
        return {
            self.first_month + timedelta(days=self.rng.randrange(span)): factor
            for _ in range(count)
        }

    # --- billing ---------------------------------------------------------------------------

    async def price_plans(self) -> None:
        taxes: dict[str, str] = {}
        for client in CLIENTS:
            if client.tax:
                code, name, rate = client.tax
                created = await self.api.post("/v1/tax-rates", {
                    "code": code, "name": name, "country": client.country, "rate": rate,
                    "valid_from": date(self.first_month.year - 1, 1, 1).isoformat(),
                })  # fmt: skip
                taxes[client.key] = created["id"]
        d0 = self.first_month.isoformat()
        acme, globex, initech, umbrella, stark, _ = CLIENTS
        plans = [
            (acme, "sla", "Acme care 2026", 30, "150000.00", [
                {"key": "management", "name": "Management fee", "model": "fixed", "amount": "45000.00"},
                {"key": "voice-minutes", "name": "Handled voice minutes", "model": "graduated",
                 "metric": "handled_minutes", "channel": "voice", "increment_seconds": 6, "tiers": [
                     {"up_to": "150000", "unit_price": "0.62"},
                     {"up_to": "300000", "unit_price": "0.55"},
                     {"up_to": None, "unit_price": "0.49"}]},
                {"key": "chats", "name": "Handled chats", "model": "per_unit",
                 "metric": "handled_contacts", "channel": "chat", "unit_price": "2.35"},
                {"key": "setup", "name": "Set-up and training", "model": "one_time",
                 "amount": "25000.00", "bill_on": d0},
            ]),
            (acme, "sow", "Acme back office 2026", 30, None, [
                {"key": "emails", "name": "Handled e-mails", "model": "per_unit",
                 "metric": "handled_contacts", "channel": "email", "unit_price": "3.10"},
            ]),
            (globex, "sla", "Globex care", 45, None, [
                {"key": "management", "name": "Service management", "model": "fixed", "amount": "8500.00"},
                {"key": "calls", "name": "Handled calls", "model": "volume",
                 "metric": "handled_contacts", "channel": "voice", "tiers": [
                     {"up_to": "20000", "unit_price": "1.15"},
                     {"up_to": "40000", "unit_price": "1.05", "flat_fee": "250.00"},
                     {"up_to": None, "unit_price": "0.95", "flat_fee": "500.00"}]},
            ]),
            (initech, "sla", "Initech support", 45, "20000.00", [
                {"key": "calls", "name": "Calls, per thousand", "model": "package",
                 "metric": "handled_contacts", "package_size": "1000", "package_price": "1450.00",
                 "free_units": "500"},
                {"key": "agent-hours", "name": "Productive agent hours", "model": "per_unit",
                 "metric": "productive_agent_hours", "unit_price": "24.50"},
            ]),
            (stark, "sla", "Stark order line", 30, None, [
                {"key": "management", "name": "Cuota de gestión", "model": "fixed", "amount": "60000.00"},
                {"key": "minutes", "name": "Minutos atendidos", "model": "per_unit",
                 "metric": "handled_minutes", "increment_seconds": 60, "unit_price": "5.80"},
            ]),
            (umbrella, "sla", "Umbrella nurse line", 30, None, [
                {"key": "management", "name": "Program management", "model": "fixed", "amount": "12000.00"},
                {"key": "minutes", "name": "Nurse minutes", "model": "per_unit",
                 "metric": "handled_minutes", "increment_seconds": 1, "unit_price": "1.40"},
            ]),
        ]  # fmt: skip
        for client, contract_key, name, terms_days, minimum, charges in plans:
            version: dict[str, Any] = {
                "effective_from": d0,
                "payment_terms_days": terms_days,
                "charges": charges,
            }
            if minimum:
                version["minimum_commitment"] = minimum
            if client.key in taxes:
                version["tax_rate_id"] = taxes[client.key]
            await self.api.post("/v1/price-plans", {
                "contract_id": client.contracts[contract_key], "name": name, "version": version,
            })  # fmt: skip

    # --- traffic ---------------------------------------------------------------------------

    def generate(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """All records per contract, scaled so the total is about the target."""
        days = (self.data_end - self.first_month).days

        def build(scale: float) -> list[tuple[str, list[dict[str, Any]]]]:
            out = []
            for traffic in self.traffic:
                scaled = ContractTraffic(
                    traffic.contract_id, traffic.time_zone, traffic.hours, traffic.holidays,
                    tuple(
                        QueueProfile(q.name, q.channel, q.weekday_volume * scale, q.aht_seconds,
                                     q.aht_spread, q.patience_seconds, q.max_wait_seconds,
                                     q.staffing)
                        for q in traffic.queues
                    ),
                    traffic.bad_days,
                )  # fmt: skip
                out.append(
                    (
                        traffic.contract_id,
                        list(contact_records(scaled, self.first_month, days, self.seed)),
                    )
                )
            return out

        first = build(1.0)
        produced = sum(len(r) for _, r in first)
        if produced == 0 or abs(produced - self.target_records) / self.target_records < 0.1:
            return first
        return build(self.target_records / produced)

    async def ingest(self) -> None:
        await self.api.post("/v1/sources", {"name": "demo-connect", "kind": "amazon_connect",
                                            "description": "Demo telephony platform"})  # fmt: skip
        per_contract = self.generate()
        batches: list[tuple[str, list[dict[str, Any]]]] = []
        for contract_id, records in per_contract:
            encoded = [as_json(r) for r in records]
            # Platforms send some records again later with more after-contact work: a newer
            # version replaces the older one.
            updated = [
                as_json(dict(record, acw_seconds=record["acw_seconds"] + 15,
                             updated_at=record["ended_at"] + timedelta(minutes=5)))
                for record in records[:: max(1, len(records) // 300)]
                if record["outcome"] == "answered"
            ]  # fmt: skip
            for start in range(0, len(encoded), BATCH):
                batches.append(("/v1/contact-records", encoded[start : start + BATCH]))
            if encoded:  # and a retried batch: counted once
                batches.append(("/v1/contact-records", encoded[:BATCH]))
            if updated:
                batches.append(("/v1/contact-records", updated))
            activity = [as_json(a) for a in agent_activity(records, contract_id)]
            for start in range(0, len(activity), BATCH):
                batches.append(("/v1/agent-activity", activity[start : start + BATCH]))
        total = sum(len(b) for _, b in batches)
        done = 0
        queue: asyncio.Queue[tuple[str, list[dict[str, Any]]]] = asyncio.Queue()
        for batch in batches:
            queue.put_nowait(batch)

        async def worker() -> None:
            nonlocal done
            while not queue.empty():
                path, records = queue.get_nowait()
                result = await self.api.post(path, {"source": "demo-connect", "records": records})
                if result["rejected"]:
                    first = result["rejections"][0]
                    raise SeedError(f"{path}: {result['rejected']} rejected, first: {first}")
                done += len(records)
                self.progress("records", done, total)

        await asyncio.gather(*(worker() for _ in range(3)))
        self.summary["records"] = sum(len(r) for _, r in per_contract)

    # --- closing the first months ----------------------------------------------------------

    async def close_months(self) -> None:
        for offset in range(2):
            month = month_start(self.first_month, offset)
            period = f"{month:%Y-%m}"
            for traffic in self.traffic:
                await self.api.post("/v1/sla-reports", {"contract_id": traffic.contract_id,
                                                        "period": period})  # fmt: skip
            run = await self.api.post("/v1/invoice-runs", {"period": period})
            for _ in range(600):
                run = await self.api.get(f"/v1/invoice-runs/{run['id']}")
                if run["status"] in ("completed", "failed"):
                    break
                await asyncio.sleep(0.5)
            drafts = await self.api.get("/v1/invoices", period=period, status="draft", limit=500)
            issue_day = month_start(month, 1) + timedelta(days=2)
            for invoice in drafts["items"]:
                await self.api.post(f"/v1/invoices/{invoice['id']}/issue",
                                    {"issue_date": issue_day.isoformat()})  # fmt: skip
            self.progress("months closed", offset + 1, 2)
        self.summary["open_period"] = f"{self.last_month:%Y-%m}"

    async def run(self) -> dict[str, Any]:
        self.progress("organizations", 0, 1)
        await self.organizations()
        self.progress("contracts", 0, 1)
        await self.contracts()
        self.progress("price plans", 0, 1)
        await self.price_plans()
        await self.ingest()
        await self.close_months()
        self.summary["period"] = f"{self.first_month:%Y-%m} to {self.last_month:%Y-%m}"
        return self.summary


def brazilian_holidays(year: int) -> list[date]:
    """Fixed-date national holidays (enough for a demo; moveable feasts left out)."""
    return [date(year, m, d) for m, d in
            ((1, 1), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (11, 20), (12, 25))]  # fmt: skip


# The demo quarter's last month: fixed, so the README's figures hold on any date.
DEMO_LAST_MONTH = date(2026, 10, 1)


async def is_empty(api: Api) -> bool:
    page = await api.get("/v1/organizations", limit=1)
    return not page["items"]


async def seed(
    gateway: str,
    token: str,
    *,
    seed_value: int = 42,
    until: date | None = None,
    records: int = 300_000,
    progress: Progress | None = None,
    only_if_empty: bool = False,
) -> dict[str, Any] | None:
    """Load the demo through the gateway into an empty platform. A platform holding data is
    refused (organizations and contracts would be duplicated half-way), or with
    ``only_if_empty`` left alone quietly (None)."""
    until = until or DEMO_LAST_MONTH
    headers = {"authorization": f"Bearer {token}"}
    timeout = httpx.Timeout(connect=5, read=120, write=60, pool=60)
    async with httpx.AsyncClient(base_url=gateway, headers=headers, timeout=timeout) as http:
        api = Api(http)
        if not await is_empty(api):
            if only_if_empty:
                return None
            raise SeedError(
                "the platform already holds data: the demo loads only into an empty platform "
                "(stop it and `make clean`, or point DATABASE_URL at empty databases)"
            )
        seeder = Seeder(api, seed=seed_value, until=until, records=records,
                        progress=progress or (lambda *_: None))  # fmt: skip
        return await seeder.run()

"""What the contracts API reads and writes. The key elements sit at the top level of a
contract (``term``, ``service_levels`` ...), so an error names ``term.end_date``, and what you
send is what you read back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.contracts import examples as ex
from contracts.contracts.elements import KeyElements
from contracts.contracts.models import ContractType
from contracts.contracts.rules.lifecycle import Action, Stage, Status
from shared.money import InCurrency, MaybeAmount
from shared.pagination import Page
from shared.types import CurrencyCode, IsoDate, Text, TimeZoneName

SLA_EXAMPLE: dict[str, Any] = {
    "type": "SLA",
    "title": "Acme customer care — service levels",
    "client_id": "01935c1e-8f6a-7b3e-9a41-2f0c9d1e4b5a",
    "parent_id": "01935c1e-9000-7000-8000-000000000001",
    "currency": "BRL",
    "scope": {
        "channels": ["voice", "chat"],
        "services": ["inbound_support"],
        "languages": ["pt-BR"],
        "queues": ["acme-voice-pt", "acme-chat-pt"],
        "hours": {"mon": [["08:00", "20:00"]], "sat": [["09:00", "13:00"]]},
        "holidays": ["2027-01-01"],
    },
    "pricing": {"payment_terms_days": 30, "price_plan_ref": "PP-ACME-2027"},
    "term": {
        "start_date": "2027-01-01",
        "initial_term_months": 12,
        "renewal_type": "auto_renew",
        "renewal_term_months": 12,
        "notice_days": 90,
        "reminder_lead_days": 30,
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


class ContractCreate(KeyElements):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SLA_EXAMPLE]})

    type: ContractType
    title: Text = Field(min_length=1, max_length=300)
    client_id: uuid.UUID
    parent_id: uuid.UUID | None = Field(None, description="The MSA an SOW, SLA or NDA hangs under")
    supersedes_id: uuid.UUID | None = Field(
        None, description="A contract this one replaces once it takes effect"
    )
    currency: CurrencyCode
    time_zone: TimeZoneName | None = Field(None, description="Defaults to the client's")


class ContractUpdate(KeyElements):
    """Partial update of a draft: each field sent replaces the stored one (null clears it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Acme care 2027", "term": SLA_EXAMPLE["term"]}]},
    )

    title: Text | None = Field(None, min_length=1, max_length=300)
    parent_id: uuid.UUID | None = None
    currency: CurrencyCode | None = None
    time_zone: TimeZoneName | None = None


class AmendmentCreate(KeyElements):
    """A new version: the elements sent replace those of the latest signed version."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "effective_from": "2027-07-01",
                    "change_summary": "Service level target raised to 85%",
                    "service_levels": [
                        {
                            "key": "voice_sl",
                            "metric": "service_level",
                            "threshold_seconds": 20,
                            "target": "0.85",
                        }
                    ],
                }
            ]
        },
    )

    effective_from: IsoDate
    change_summary: Text = Field(min_length=1, max_length=4000)


class VersionUpdate(KeyElements):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"effective_from": "2027-08-01"}]}
    )

    effective_from: IsoDate | None = None
    change_summary: Text | None = Field(None, min_length=1, max_length=4000)


class TerminationKind(StrEnum):
    convenience = "convenience"
    cause = "cause"


class TerminationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "convenience", "reason": "Moving in-house"}]},
    )

    kind: TerminationKind = TerminationKind.convenience
    reason: Text = Field(min_length=1, max_length=4000)
    notice_date: IsoDate | None = Field(None, description="When notice is given; default today")
    effective_date: IsoDate | None = Field(
        None, description="Last day in force; default the earliest the notice allows"
    )


class Schedule(BaseModel):
    """Where the term stands on the day asked (``on``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.SCHEDULE]})

    on: date
    renewals_done: int
    period_start: date | None
    period_end: date | None
    notice_deadline: date | None
    next_renewal_date: date | None
    final_end: date | None


class TerminationRead(BaseModel):
    requested: bool
    kind: TerminationKind | None = None
    reason: str | None = None
    notice_date: date | None = None
    effective_date: date | None = None
    earliest_effective_date: date | None = None
    early_termination_fee: MaybeAmount = None
    requested_by: str | None = None
    requested_at: datetime | None = None


class VersionSummary(BaseModel):
    version: int
    stage: Stage
    effective_from: date | None
    effective_to: date | None
    change_summary: str | None
    document_sha256: str | None
    signed_at: datetime | None


class VersionRead(KeyElements, InCurrency):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.VERSION]})

    contract_id: uuid.UUID
    currency: str = Field(description="The contract's; amounts are written in its minor units")
    version: int
    stage: Stage
    effective_from: date | None
    effective_to: date | None
    change_summary: str | None
    document_sha256: str | None
    signed_at: datetime | None
    allowed_actions: list[Action]
    created_by: str
    created_at: datetime


class ContractRead(KeyElements, InCurrency):
    """The contract with the key elements of one version: the one in effect on ``as_of``
    (today by default), or the draft while nothing is signed."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.CONTRACT]})

    id: uuid.UUID
    number: str
    type: ContractType
    title: str
    client_id: uuid.UUID
    client_name: str
    operator_id: uuid.UUID
    parent_id: uuid.UUID | None
    supersedes_id: uuid.UUID | None
    currency: str
    time_zone: str
    stage: Stage
    status: Status | None = Field(description="On as_of (today by default); null until signed")
    as_of: date
    version: int
    version_stage: Stage
    effective_from: date | None
    effective_to: date | None
    open_version: int | None = Field(description="A version in the workflow (draft … signature)")
    allowed_actions: list[Action] = Field(description="Actions on the open version")
    schedule: Schedule | None
    termination_request: TerminationRead
    versions: list[VersionSummary]
    revision: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class ContractSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.SUMMARY]})

    id: uuid.UUID
    number: str
    type: ContractType
    title: str
    client_id: uuid.UUID
    client_name: str
    parent_id: uuid.UUID | None
    currency: str
    time_zone: str
    stage: Stage
    status: Status | None
    start_date: date | None
    period_end: date | None
    notice_deadline: date | None
    final_end: date | None
    renewals_done: int
    termination_effective_date: date | None
    created_at: datetime


ContractPage = Page[ContractSummary]


class ReminderKind(StrEnum):
    notice_deadline = "notice_deadline"
    end = "end"


class Reminder(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.REMINDER]})

    contract: ContractSummary
    kind: ReminderKind
    due_on: date
    days_left: int


ReminderPage = Page[Reminder]


class ContractEventType(StrEnum):
    """What a contract's event log records: the events the workflow writes and one
    ``contract.<status>`` per status change (``tests/contracts`` checks every status has one)."""

    created = "contract.created"
    updated = "contract.updated"
    amendment_drafted = "contract.amendment_drafted"
    stage_changed = "contract.stage_changed"
    signature_added = "contract.signature_added"
    signed = "contract.signed"
    amended = "contract.amended"
    superseded_by = "contract.superseded_by"
    renewed = "contract.renewed"
    termination_requested = "contract.termination_requested"
    termination_withdrawn = "contract.termination_withdrawn"
    pending = "contract.pending"
    active = "contract.active"
    expiring = "contract.expiring"
    terminating = "contract.terminating"
    expired = "contract.expired"
    terminated = "contract.terminated"
    superseded = "contract.superseded"


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [ex.EVENT]})

    id: uuid.UUID
    contract_id: uuid.UUID
    client_id: uuid.UUID
    type: str
    version: int | None
    actor: str
    occurred_at: datetime
    data: dict[str, Any]


EventPage = Page[EventRead]


class StatusRefreshRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"checked": 120, "changed": 3, "events": 4}]}
    )

    checked: int
    changed: int
    events: int

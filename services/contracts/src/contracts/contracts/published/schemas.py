"""What the contracts service publishes for the other services: the service terms metrics
evaluates, the queue look-ups that route contact records, and the billing terms an invoice is
drafted from."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.contracts import examples as ex
from contracts.contracts.elements import ServiceLevel, WeeklyHours
from contracts.contracts.rules.lifecycle import Status
from contracts.contracts.rules.terms import RenewalType
from contracts.organizations.schemas import PostalAddress, Remittance
from shared.money import InCurrency, MaybeAmount
from shared.types import AwareDateTime, Text


class ServiceTermsVersion(BaseModel):
    version: int
    effective_from: date
    effective_to: date | None
    service_levels: list[ServiceLevel]
    hours: WeeklyHours
    holidays: list[date]
    queues: list[str]
    channels: list[str]
    service_credit_terms: dict[str, Any] | None


class ServiceTermsRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.SERVICE_TERMS]})

    contract_id: uuid.UUID
    client_id: uuid.UUID
    operator_id: uuid.UUID
    time_zone: str
    versions: list[ServiceTermsVersion]


class QueueLookupRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"contract_id": ex.CONTRACT_ID, "client_id": ex.CLIENT_ID, "queue": "acme-voice"}
            ]
        }
    )

    contract_id: uuid.UUID
    client_id: uuid.UUID
    queue: str


# A batch of records names a few queues over days or weeks: bounded so one request stays
# one quick query (metrics asks in chunks).
MAX_CLAIM_QUEUES = 500
MAX_CLAIM_DAYS = 400


class QueueClaimsQuery(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "queues": ["acme-voice", "acme-chat"],
                    "from": "2026-10-01T00:00:00Z",
                    "to": "2026-11-01T00:00:00Z",
                }
            ]
        },
    )

    queues: list[Annotated[Text, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=MAX_CLAIM_QUEUES
    )
    from_: AwareDateTime = Field(alias="from", description="Start of the span (inclusive)")
    to: AwareDateTime = Field(description="End of the span (exclusive)")
    client_id: uuid.UUID | None = Field(
        None, description="Only contracts of this client (a platform registered to it)"
    )


class QueueClaim(BaseModel):
    """A contract in force claims ``queue`` from ``from`` (inclusive) to ``to`` (exclusive):
    whole local days of the contract's time zone, clipped to the span asked for."""

    model_config = ConfigDict(populate_by_name=True)

    queue: str
    contract_id: uuid.UUID
    client_id: uuid.UUID
    from_: datetime = Field(alias="from")
    to: datetime


class QueueClaimsRead(BaseModel):
    claims: list[QueueClaim] = Field(
        description="Ordered by queue and start; a queue absent at a moment has no contract "
        "in force claiming it then (ask the single queue look-up why)"
    )


class PartyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    legal_name: str
    display_name: str
    tax_id: str | None
    billing_email: str | None
    country: str
    postal_address: PostalAddress | None = None
    remittance: Remittance | None = None


class BillingServiceLevel(BaseModel):
    """How an invoice names a service level and prints its figures."""

    key: str
    name: str = Field(description="The contract's name for it, or one made from its key")
    metric: str
    threshold_seconds: int | None
    unit: str = Field(
        description="How its targets read: ratio (0..1, printed as a percentage), seconds, score"
    )


class BillingTerm(BaseModel):
    start_date: date | None
    end_date: date | None = Field(description="Current period end; null for evergreen")
    renewal_type: RenewalType | None
    renewal_term_months: int | None
    max_renewals: int | None
    renewals_done: int
    notice_days: int | None
    notice_deadline: date | None
    next_renewal_date: date | None
    final_end: date | None


class BillingTermination(BaseModel):
    requested: bool
    effective_date: date | None
    early_termination_fee: MaybeAmount


class BillingCredits(BaseModel):
    at_risk_percent: Decimal | None
    credit_cap_percent: Decimal | None
    pool_cap_percent: Decimal | None
    bonus_rules: list[dict[str, Any]]


class BillingTermsRead(InCurrency):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.BILLING_TERMS]})

    contract_id: uuid.UUID
    client_id: uuid.UUID
    operator_id: uuid.UUID
    number: str
    title: str
    currency: str
    time_zone: str
    on: date
    version: int | None
    status: Status | None
    payment_terms_days: int | None
    price_plan_ref: str | None
    minimum_monthly_commitment: MaybeAmount
    term: BillingTerm
    termination: BillingTermination
    service_credit_terms: BillingCredits
    client: PartyRead
    operator: PartyRead
    service_levels: list[BillingServiceLevel] = []

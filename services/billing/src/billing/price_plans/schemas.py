import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from billing.pricing.plan import PlanTerms
from shared.money import InCurrency
from shared.pagination import Page
from shared.types import IsoDate, Text

EXAMPLE_TERMS: dict[str, Any] = {
    "charges": [
        {"key": "management", "name": "Management fee", "model": "fixed", "amount": "5000.00"},
        {
            "key": "voice-minutes",
            "name": "Handled voice minutes",
            "model": "graduated",
            "metric": "handled_minutes",
            "channel": "voice",
            "increment_seconds": 6,
            "tiers": [
                {"up_to": "10000", "unit_price": "0.55"},
                {"up_to": "50000", "unit_price": "0.45"},
                {"up_to": None, "unit_price": "0.38"},
            ],
        },
        {
            "key": "contacts",
            "name": "Handled contacts",
            "model": "per_unit",
            "metric": "handled_contacts",
            "unit_price": "0.15",
        },
        {
            "key": "setup",
            "name": "Setup and training",
            "model": "one_time",
            "amount": "2500.00",
            "bill_on": "2026-01-01",
        },
    ],
    "minimum_commitment": "15000.00",
    "tax_rate_percent": "5.00",
    "payment_terms_days": 30,
}


class VersionCreate(PlanTerms):
    """A new version of the plan: its whole rate card, in effect from ``effective_from``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"effective_from": "2026-01-01", **EXAMPLE_TERMS}]},
    )

    effective_from: IsoDate
    tax_rate_id: uuid.UUID | None = Field(
        None, description="A stored tax rate (copied into the version); or give tax_rate_percent"
    )


class PricePlanCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contract_id": "0195f3a4-6b1c-7c2e-9a5d-3f4e5a6b7c8d",
                    "name": "Acme inbound support 2026",
                    "version": {"effective_from": "2026-01-01", **EXAMPLE_TERMS},
                }
            ]
        },
    )

    contract_id: uuid.UUID
    name: Text = Field(min_length=1, max_length=200)
    version: VersionCreate


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    price_plan_id: uuid.UUID
    version: int
    effective_from: date
    effective_to: date | None = Field(
        None, description="Last day in effect (the day before the next version); null: open"
    )
    terms: PlanTerms
    tax_rate_id: uuid.UUID | None
    created_by: str
    created_at: datetime


class PricePlanRead(InCurrency):
    id: uuid.UUID
    contract_id: uuid.UUID
    client_id: uuid.UUID
    operator_id: uuid.UUID
    currency: str
    name: str
    created_at: datetime
    versions: list[VersionRead]


PricePlanPage = Page[PricePlanRead]

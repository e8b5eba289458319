import uuid
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from billing.pricing.plan import Dec, Metric, NonNegative, PlanTerms
from shared.types import CurrencyCode


class SlaResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    metric: str = "service_level"
    target: Dec
    direction: Literal["at_least", "at_most"] = "at_least"
    measured: Dec | None = None
    status: Literal["met", "missed", "no_data"]
    pool_share: Dec | None = None


class CreditTermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at_risk_percent: NonNegative = Field(default=0)  # type: ignore[assignment]
    credit_cap_percent: NonNegative | None = None
    pool_cap_percent: NonNegative | None = None
    bonus_rules: list[dict[str, Any]] = []


class QuoteRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "price_plan_id": "0195f3a4-6b1c-7c2e-9a5d-3f4e5a6b7c8d",
                    "period": "2026-03",
                    "usage": {
                        "handled_minutes": "120000",
                        "handled_contacts": "30000",
                        "offered_contacts": "32000",
                        "productive_agent_hours": "2100",
                    },
                    "sla_results": [
                        {
                            "key": "sl-80-20",
                            "target": "0.80",
                            "measured": "0.76",
                            "status": "missed",
                            "pool_share": "0.5",
                        }
                    ],
                    "service_credit_terms": {"at_risk_percent": "10"},
                }
            ]
        },
    )

    price_plan_id: uuid.UUID | None = Field(None, description="A stored plan, or give `plan`")
    on: date | None = Field(None, description="Which version of the stored plan (default: today)")
    plan: PlanTerms | None = Field(None, description="An inline rate card")
    currency: CurrencyCode | None = Field(None, description="Required with an inline plan")
    period: str = Field("2026-01", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    usage: dict[Metric, NonNegative] = Field(
        default_factory=dict, description="Hypothetical totals per billable metric"
    )
    sla_results: list[SlaResultIn] = []
    service_credit_terms: CreditTermsIn | None = None


class QuoteRead(BaseModel):
    stored: bool = Field(False, description="Always false: a quote is never stored")
    currency: str
    period: str
    price_plan_id: uuid.UUID | None
    plan_version: int | None
    lines: list[dict[str, Any]]
    subtotal: str
    tax_rate_percent: str | None
    tax: str
    total: str
    credit_base: str
    at_risk: str
    service_levels: list[dict[str, Any]]

import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
)

from billing.pricing.plan import Metric, NonNegative, PlanTerms
from shared.periods import CalendarMonth
from shared.types import (
    RATIO_METRICS,
    CurrencyCode,
    Fraction,
    IsoDate,
    PercentPoints,
    ServiceLevelMetric,
    Text,
    decimal_text,
    fits_numeric,
    fraction_message,
)

AS_TEXT = PlainSerializer(lambda v: str(v), return_type=str)


# A target or a measurement (ratio, seconds, CSAT, NPS), as contracts bound service levels.
Measure = Annotated[Decimal, BeforeValidator(decimal_text), fits_numeric(6, 6), AS_TEXT]
# Percent points (10 = 10 %), as the contracts' credit terms; 0 < x < 1 is refused.
CreditPercent = Annotated[PercentPoints, Field(ge=0, le=1000), AS_TEXT]


class SlaResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Text
    metric: ServiceLevelMetric = ServiceLevelMetric.service_level
    target: Measure
    direction: Literal["at_least", "at_most"] = "at_least"
    measured: Measure | None = None
    status: Literal["met", "missed", "no_data"]
    pool_share: Annotated[Fraction, BeforeValidator(decimal_text), AS_TEXT] | None = Field(
        None, description="Share of the at-risk pool: a fraction from 0 to 1 (0.5 = 50 %)"
    )

    @field_validator("target", "measured")
    @classmethod
    def _ratio_is_a_fraction(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        # Ratio metrics are fractions (0.8 = 80 %); 80 would always read as met.
        metric = info.data.get("metric")
        if value is not None and metric in RATIO_METRICS and not 0 <= value <= 1:
            raise ValueError(f"{metric} is {fraction_message(value)}")
        return value


class BonusRuleIn(BaseModel):
    """A contract's bonus rule (a rule without target or percent earns nothing)."""

    model_config = ConfigDict(extra="forbid")

    service_level_key: Text
    bonus_target: Measure | None = None
    bonus_percent: CreditPercent | None = Field(
        None, description="Bonus in percent points of fees (2 = 2 %)"
    )


class CreditTermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at_risk_percent: CreditPercent = Field(default=Decimal(0))
    credit_cap_percent: CreditPercent | None = None
    pool_cap_percent: CreditPercent | None = None
    bonus_rules: list[BonusRuleIn] = []


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
    on: IsoDate | None = Field(
        None, description="Which version of the stored plan (default: today)"
    )
    plan: PlanTerms | None = Field(None, description="An inline rate card")
    currency: CurrencyCode | None = Field(None, description="Required with an inline plan")
    period: CalendarMonth = "2026-01"
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

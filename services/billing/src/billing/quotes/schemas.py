import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)

from billing.pricing.plan import Metric, NonNegative, PlanTerms
from shared.periods import CalendarMonth
from shared.types import (
    RATIO_METRICS,
    Channel,
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


class UsageIn(BaseModel):
    """A volume of one metric, optionally of one channel and/or queue only (as metrics counts
    them for an invoice: a charge filtered on email prices the email entries)."""

    model_config = ConfigDict(extra="forbid")

    metric: Metric
    channel: Channel | None = None
    queue: Text | None = Field(None, min_length=1, max_length=120)
    quantity: NonNegative


USAGE_FORMS = list[UsageIn] | dict[Metric, NonNegative]
_USAGE_LIST = TypeAdapter(list[UsageIn])
_USAGE_TOTALS = TypeAdapter(dict[Metric, NonNegative])


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
                    "usage": [
                        {"metric": "handled_minutes", "channel": "voice", "quantity": "120000"},
                        {"metric": "handled_contacts", "channel": "voice", "quantity": "30000"},
                        {"metric": "handled_contacts", "channel": "email", "quantity": "1200"},
                        {"metric": "productive_agent_hours", "quantity": "2100"},
                    ],
                    "sla_results": [
                        {
                            "key": "sl-80-20",
                            "target": "0.80",
                            "measured": "0.76",
                            "status": "missed",
                            "pool_share": "0.5",
                        }
                    ],
                }
            ]
        },
    )

    price_plan_id: uuid.UUID | None = Field(None, description="A stored plan, or give `plan`")
    contract_id: uuid.UUID | None = Field(
        None,
        description="Whose service-credit terms and billed one-time fees apply "
        "(default: the stored plan's contract)",
    )
    on: IsoDate | None = Field(
        None, description="Which version of the stored plan (default: today)"
    )
    plan: PlanTerms | None = Field(None, description="An inline rate card")
    currency: CurrencyCode | None = Field(None, description="Required with an inline plan")
    period: CalendarMonth = "2026-01"
    usage: list[UsageIn] | dict[Metric, NonNegative] = Field(
        default_factory=dict,
        description="Hypothetical volumes: a list of {metric, channel?, queue?, quantity}, or "
        "totals per metric (refused by charges filtered on a channel or queue)",
    )
    sla_results: list[SlaResultIn] = []
    service_credit_terms: CreditTermsIn | None = Field(
        None, description="Override the contract's service-credit terms"
    )

    @field_validator("usage", mode="plain", json_schema_input_type=USAGE_FORMS)
    @classmethod
    def _one_usage_form(cls, value: Any) -> list[UsageIn] | dict[Metric, Decimal]:
        """A list is the per-channel form, anything else the totals form: errors then name
        ``usage[2].quantity`` or ``usage.handled_minutes``, not pydantic's union branches."""
        if isinstance(value, list):
            return _USAGE_LIST.validate_python(value)
        return _USAGE_TOTALS.validate_python(value)


class CreditTermsUsed(BaseModel):
    source: Literal["request", "contract", "none"] = Field(
        description="request: given with the quote; contract: the contract's terms on the "
        "period; none: neither (no credits)"
    )
    contract_id: uuid.UUID | None = None
    at_risk_percent: str
    credit_cap_percent: str | None
    pool_cap_percent: str | None
    bonus_rules: list[dict[str, Any]]


class QuoteNote(BaseModel):
    charge_key: str
    message: str
    invoice_id: uuid.UUID | None = None
    invoice_number: str | None = None


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
    service_credit_terms: CreditTermsUsed
    notes: list[QuoteNote] = Field(
        default_factory=list, description="Why a charge of the plan is not on the quote"
    )

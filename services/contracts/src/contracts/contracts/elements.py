"""The seven key elements of a contract as structured, validated data.

Each element validates itself here (pydantic: the error names the field by its JSON path);
rules that span elements or need the contract type live in ``rules/validation.py``.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from contracts.contracts.rules.terms import FeeKind, RenewalType, TermRule
from shared.money import AMOUNT, plain_text
from shared.periods import CalendarMonth
from shared.types import (
    Channel,
    CurrencyCode,
    Fraction,
    IsoDate,
    MoneyAmount,
    PercentPoints,
    Quantity,
    Text,
)

# The service-level metrics: one list, shared with metrics and billing.
from shared.types import ServiceLevelMetric as Metric

# Bounded as every service bounds money and percents (shared.types); money is numeric(18, 6).
# An amount: a contract answer writes it with the contract currency's minor units.
Money = Annotated[MoneyAmount, Field(ge=0), AMOUNT, PlainSerializer(str, return_type=str)]
Percent = Annotated[PercentPoints, Field(gt=0, le=1000)]


class Element(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- scope -------------------------------------------------------------------------------


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class WeeklyHours(Element):
    """Opening intervals per weekday in the contract's time zone, e.g. ``[["08:00","20:00"]]``."""

    mon: list[tuple[str, str]] = []
    tue: list[tuple[str, str]] = []
    wed: list[tuple[str, str]] = []
    thu: list[tuple[str, str]] = []
    fri: list[tuple[str, str]] = []
    sat: list[tuple[str, str]] = []
    sun: list[tuple[str, str]] = []

    @field_validator(*DAYS)
    @classmethod
    def _intervals(cls, intervals: list[tuple[str, str]]) -> list[tuple[str, str]]:
        previous_end = ""
        for start, end in sorted(intervals):
            for value in (start, end):
                if not _HHMM.match(value):
                    raise ValueError(f"{value!r} is not HH:MM (00:00 to 24:00)")
            if start >= end:
                raise ValueError(f"interval {start}-{end} ends before it starts")
            if previous_end and start < previous_end:
                raise ValueError(f"intervals overlap at {start}")
            previous_end = end
        return sorted(intervals)


class ForecastVolume(Element):
    period: CalendarMonth
    channel: Channel
    contacts: int = Field(ge=0)


class Scope(Element):
    channels: list[Channel] = []
    services: list[Text] = Field(
        [], description="inbound_support, sales, technical_support, collections, back_office ..."
    )
    languages: list[Text] = Field([], description="BCP 47 tags, e.g. pt-BR")
    queues: list[Annotated[Text, Field(min_length=1, max_length=200)]] = Field(
        [], description="Queue identifiers as the telephony platform names them"
    )
    hours: WeeklyHours = WeeklyHours()
    holidays: list[IsoDate] = []
    forecast_volumes: list[ForecastVolume] = []

    @field_validator("queues")
    @classmethod
    def _unique_queues(cls, queues: list[str]) -> list[str]:
        if len(set(queues)) != len(queues):
            raise ValueError("a queue is listed twice")
        return queues


# --- pricing -----------------------------------------------------------------------------


class RateCardLine(Element):
    """One agreed price, as the signed document prints it ("Handled voice minutes: 0.55 BRL
    per minute; 0.48 above 20,000")."""

    charge: Text = Field(min_length=1, max_length=200, examples=["Handled voice minutes"])
    price: Annotated[Quantity, Field(ge=0), PlainSerializer(plain_text, return_type=str)] = Field(
        description="In the contract's currency; unit prices keep their decimals"
    )
    unit: Text | None = Field(None, max_length=60, examples=["per minute"])
    notes: Text | None = Field(None, max_length=500, examples=["0.48 above 20,000 minutes"])


class Pricing(Element):
    currency: CurrencyCode | None = Field(None, description="Defaults to the contract's")
    payment_terms_days: int = Field(30, ge=0, le=365, description="Net days")
    price_plan_ref: Text | None = Field(None, max_length=200)
    summary: Text | None = Field(None, max_length=4000)
    minimum_monthly_commitment: Money | None = None
    rate_card: list[RateCardLine] = Field(
        [],
        max_length=100,
        description="The agreed prices, printed in the contract document as its attached "
        "rate card (billing's price plan implements them)",
    )


# --- term --------------------------------------------------------------------------------


class Term(Element):
    start_date: IsoDate
    initial_term_months: int | None = Field(None, ge=1, le=1200)
    end_date: IsoDate | None = None
    renewal_type: RenewalType = RenewalType.fixed
    renewal_term_months: int | None = Field(None, ge=1, le=120)
    max_renewals: int | None = Field(None, ge=0, le=1000)
    notice_days: int = Field(0, ge=0, le=3650)
    reminder_lead_days: int = Field(30, ge=0, le=3650)

    def rule(self) -> TermRule:
        return TermRule(
            start_date=self.start_date,
            renewal_type=self.renewal_type,
            initial_term_months=self.initial_term_months,
            end_date=self.end_date,
            renewal_term_months=self.renewal_term_months,
            max_renewals=self.max_renewals,
            notice_days=self.notice_days,
            reminder_lead_days=self.reminder_lead_days,
        )


# --- termination -------------------------------------------------------------------------


class EarlyTerminationFee(Element):
    kind: FeeKind = FeeKind.none
    amount: Money | None = Field(None, description="kind=fixed")
    months: int | None = Field(None, ge=1, le=120, description="kind=months_of_minimum")


class Termination(Element):
    for_convenience: bool = False
    notice_days: int | None = Field(
        None, ge=0, le=3650, description="Notice for termination; defaults to the term's"
    )
    early_termination_fee: EarlyTerminationFee = EarlyTerminationFee()
    for_cause_grounds: list[Text] = []


# --- service levels ----------------------------------------------------------------------


class Direction(StrEnum):
    at_least = "at_least"
    at_most = "at_most"


class Window(StrEnum):
    month = "month"
    week = "week"
    day = "day"


class Variant(StrEnum):
    answered_over_offered = "answered_over_offered"
    answered_over_answered = "answered_over_answered"
    abandons_within_threshold_met = "abandons_within_threshold_met"
    abandons_within_threshold_ignored = "abandons_within_threshold_ignored"


class CsatMode(StrEnum):
    mean = "mean"
    top2 = "top2"


RATIO_METRICS = frozenset(
    {Metric.service_level, Metric.abandonment_rate, Metric.fcr, Metric.transfer_rate}
    | {Metric.occupancy}
)
SECONDS_METRICS = frozenset({Metric.asa, Metric.aht})
NATURAL_DIRECTION = {
    Metric.service_level: Direction.at_least,
    Metric.asa: Direction.at_most,
    Metric.aht: Direction.at_most,
    Metric.abandonment_rate: Direction.at_most,
    Metric.fcr: Direction.at_least,
    Metric.csat: Direction.at_least,
    Metric.nps: Direction.at_least,
    Metric.transfer_rate: Direction.at_most,
    Metric.occupancy: Direction.at_least,
    Metric.quality_score: Direction.at_least,
}


def target_range(metric: Metric, csat_mode: CsatMode | None) -> tuple[Decimal, Decimal | None]:
    """Allowed targets: ratios 0..1, seconds >= 0, CSAT mean 1..5, NPS -100..100, quality
    score 0..100 points."""
    if metric in RATIO_METRICS or (metric is Metric.csat and csat_mode is CsatMode.top2):
        return Decimal(0), Decimal(1)
    if metric is Metric.csat:
        return Decimal(1), Decimal(5)
    if metric is Metric.nps:
        return Decimal(-100), Decimal(100)
    if metric is Metric.quality_score:
        return Decimal(0), Decimal(100)
    return Decimal(0), None


class ServiceLevel(Element):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$", examples=["voice_sl_80_20"])
    name: Text | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="What documents call it; without one, a readable form of the key",
        examples=["Voice service level 80/20"],
    )
    metric: Metric
    threshold_seconds: int | None = Field(
        None, ge=1, le=86400, description="Required for service_level, refused otherwise"
    )
    strict: bool = Field(False, description="Answered strictly before the threshold")
    target: Decimal = Field(
        max_digits=12,
        decimal_places=6,
        description="Ratio metrics: a fraction from 0 to 1 (0.8 = 80 %); else seconds, CSAT "
        "score (top2: a fraction), NPS, or quality score points 0..100",
    )
    direction: Direction | None = Field(None, description="Defaults to the metric's natural one")
    window: Window = Window.month
    channels: list[Channel] = []
    queues: list[Text] = []
    business_hours_only: bool = False
    short_abandon_seconds: int = Field(0, ge=0, le=3600)
    variant: Variant = Variant.answered_over_offered
    include_flow_outs: bool = False
    csat_mode: CsatMode | None = None
    critical: bool = False
    pool_share: Annotated[Fraction, Field(gt=0, decimal_places=4)] | None = Field(
        None, description="Share of the at-risk pool: a fraction from 0 to 1 (0.25 = 25 %)"
    )
    bonus_target: Decimal | None = Field(None, max_digits=12, decimal_places=6)

    @model_validator(mode="after")
    def _defaults(self) -> ServiceLevel:
        # Cross-field rules (threshold, ranges, variants) are checked in rules/validation.py, where
        # each error can name its exact field.
        if self.metric is Metric.csat and self.csat_mode is None:
            self.csat_mode = CsatMode.mean
        self.direction = self.direction or NATURAL_DIRECTION[self.metric]
        return self

    @property
    def unit(self) -> str:
        """ratio (0..1), seconds, or score (CSAT mean, NPS): how its figures are printed."""
        if self.metric in RATIO_METRICS or self.csat_mode is CsatMode.top2:
            return "ratio"
        return "seconds" if self.metric in SECONDS_METRICS else "score"

    @property
    def display_name(self) -> str:
        """The given name, or the key made readable ("voice_sl_80_20" → "Voice sl 80 20")."""
        if self.name:
            return self.name
        words = self.key.replace("_", " ").replace("-", " ").replace(".", " ").split()
        return " ".join(words).capitalize()


# --- service credits ---------------------------------------------------------------------


class BonusRule(Element):
    service_level_key: Text
    bonus_target: Decimal | None = Field(
        None, max_digits=12, decimal_places=6, description="Defaults to the level's bonus_target"
    )
    bonus_percent: Percent = Field(description="Bonus in percent points of fees (2 = 2 %)")


class ServiceCreditTerms(Element):
    at_risk_percent: Percent = Field(
        description="Share of the period's fees at risk, in percent points (10 = 10 %)"
    )
    credit_cap_percent: Percent | None = Field(
        None, description="Cap on credits, in percent points of fees (12 = 12 %)"
    )
    pool_cap_percent: Percent = Field(
        Decimal(100),
        description="Maximum sum of pool shares, in percent points of the at-risk pool",
    )
    bonus_rules: list[BonusRule] = []


# --- confidentiality and indemnification --------------------------------------------------


class Classification(StrEnum):
    public = "public"
    internal = "internal"
    confidential = "confidential"
    restricted = "restricted"


class Regulation(StrEnum):
    gdpr = "GDPR"
    hipaa = "HIPAA"
    pci_dss = "PCI_DSS"
    lgpd = "LGPD"
    ccpa = "CCPA"


class Confidentiality(Element):
    classification: Classification = Classification.confidential
    regulations: list[Regulation] = []
    retention_days: int | None = Field(None, ge=1, le=36500)
    pseudonymize_caller_ids: bool = False
    nda_contract_id: uuid.UUID | None = None


class LiabilityCap(Element):
    kind: Literal["amount", "multiple_of_annual_fees", "unlimited"]
    amount: Money | None = None
    multiple: Decimal | None = Field(None, gt=0, le=100, max_digits=6, decimal_places=2)


class Indemnification(Element):
    liability_cap: LiabilityCap | None = None
    carve_outs: list[Text] = []
    insurance: Text | None = Field(None, max_length=2000)


class KeyElements(Element):
    """Everything a version of a contract agrees; each element optional by type."""

    scope: Scope | None = None
    pricing: Pricing | None = None
    term: Term | None = None
    termination: Termination | None = None
    service_levels: list[ServiceLevel] = []
    service_credit_terms: ServiceCreditTerms | None = None
    confidentiality: Confidentiality | None = None
    indemnification: Indemnification | None = None

    def convenience_notice_days(self) -> int:
        """Notice for a termination for convenience: the termination clause's, else the term's."""
        if self.termination and self.termination.notice_days is not None:
            return self.termination.notice_days
        return self.term.notice_days if self.term else 0


ELEMENT_NAMES = tuple(KeyElements.model_fields)

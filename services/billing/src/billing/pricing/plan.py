"""The rate card of one price-plan version, as data: validated here, priced by ``engine``.

The same model is the API body of a plan version, what the database keeps (as JSON) and what
quotes accept inline, so a quote and an invoice price the same plan the same way.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from shared.errors import FieldError, ValidationFailed
from shared.money import AMOUNT, plain_text
from shared.types import Channel, IsoDate, MoneyAmount, Percent, Quantity, Text

_AS_TEXT = PlainSerializer(lambda v: str(v), return_type=str)
_PLAIN = PlainSerializer(plain_text, return_type=str)

# Every figure of a rate card is bounded to what billing can store and compute with
# (``shared.types``): a 1e30 price is a 422 naming its field, not a 500 at invoicing time.
# Amounts are marked as such: an answer with a currency writes them with its minor units.
Money = Annotated[MoneyAmount, AMOUNT, _AS_TEXT]
NonNegativeMoney = Annotated[Money, Field(ge=0)]
PositiveMoney = Annotated[Money, Field(gt=0)]
NonNegative = Annotated[Quantity, Field(ge=0), _PLAIN]  # quantities and unit prices
Positive = Annotated[Quantity, Field(gt=0), _PLAIN]
Percentage = Annotated[Percent, _PLAIN]


class ChargeModel(StrEnum):
    fixed = "fixed"
    one_time = "one_time"
    per_unit = "per_unit"
    graduated = "graduated"
    volume = "volume"
    package = "package"


USAGE_MODELS = frozenset(
    {ChargeModel.per_unit, ChargeModel.graduated, ChargeModel.volume, ChargeModel.package}
)
RECURRING_MODELS = USAGE_MODELS | {ChargeModel.fixed}


class Metric(StrEnum):
    handled_contacts = "handled_contacts"
    handled_minutes = "handled_minutes"
    offered_contacts = "offered_contacts"
    productive_agent_hours = "productive_agent_hours"


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    up_to: Positive | None = Field(
        None, description="Inclusive upper bound of the tier; null on the last (open) tier"
    )
    unit_price: NonNegative
    flat_fee: NonNegativeMoney = Decimal(0)


class Charge(BaseModel):
    """One charge of a plan. Usage charges name a billable metric from the metrics service."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: Text = Field(min_length=1, max_length=200)
    model: ChargeModel
    # fixed / one_time
    amount: NonNegativeMoney | None = None
    bill_on: IsoDate | None = Field(
        None, description="one_time: billed on the first invoice on or after this date"
    )
    # usage charges
    metric: Metric | None = None
    channel: Channel | None = Field(None, description="only usage of this channel")
    queue: Text | None = Field(None, max_length=120, description="only usage of this queue")
    increment_seconds: Literal[1, 6, 60] = Field(
        1, description="handled_minutes: duration rounding applied per contact (1, 6 or 60 s)"
    )
    unit_price: NonNegative | None = None
    tiers: list[TierIn] | None = None
    package_size: Positive | None = None
    package_price: NonNegativeMoney | None = None
    free_units: NonNegative = Decimal(0)


class PlanTerms(BaseModel):
    """Everything that prices a period: charges, minimum commitment, tax, payment terms."""

    model_config = ConfigDict(extra="forbid")

    charges: list[Charge] = Field(min_length=1)
    minimum_commitment: NonNegativeMoney | None = Field(
        None, description="Per period, on recurring charges; a true-up line fills the gap"
    )
    tax_rate_percent: Annotated[Percentage, Field(ge=0, lt=100)] | None = Field(
        None, description="Tax on the invoice net, percent (from a tax rate or given inline)"
    )
    payment_terms_days: int | None = Field(None, ge=0, le=365)


def check_terms(terms: PlanTerms, prefix: str = "") -> None:
    """The rules pydantic cannot express field by field; every error names its JSON path."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, charge in enumerate(terms.charges):
        at = f"{prefix}charges[{i}]"
        if charge.key in seen:
            errors.append(FieldError(f"{at}.key", f"duplicate charge key {charge.key!r}"))
        seen.add(charge.key)
        errors += _check_charge(charge, at)
        if charge.increment_seconds != 1 and charge.metric is not Metric.handled_minutes:
            errors.append(
                FieldError(
                    f"{at}.increment_seconds", "only handled_minutes are rounded per contact"
                )
            )
        if charge.metric is Metric.productive_agent_hours:
            # Agent activity is not per channel or queue: metrics answers 0 hours when filtered,
            # which would silently price nothing.
            errors += [
                FieldError(f"{at}.{name}", "productive agent hours cannot be filtered", "extra")
                for name in ("channel", "queue")
                if getattr(charge, name) is not None
            ]
    if errors:
        raise ValidationFailed("invalid " + ", ".join(e.field for e in errors), errors=errors)


def _required(charge: Charge, at: str, *names: str) -> list[FieldError]:
    return [
        FieldError(f"{at}.{n}", f"required for a {charge.model.value} charge", "missing")
        for n in names
        if getattr(charge, n) is None
    ]


def _forbidden(charge: Charge, at: str, *names: str) -> list[FieldError]:
    return [
        FieldError(f"{at}.{n}", f"not used by a {charge.model.value} charge", "extra")
        for n in names
        if getattr(charge, n) is not None
    ]


def _check_charge(charge: Charge, at: str) -> list[FieldError]:
    usage_fields = ("metric", "unit_price", "tiers", "package_size", "package_price")
    match charge.model:
        case ChargeModel.fixed:
            return _required(charge, at, "amount") + _forbidden(
                charge, at, "bill_on", *usage_fields
            )
        case ChargeModel.one_time:
            return _required(charge, at, "amount") + _forbidden(charge, at, *usage_fields)
        case ChargeModel.per_unit:
            return _required(charge, at, "metric", "unit_price") + _forbidden(
                charge, at, "amount", "bill_on", "tiers", "package_size", "package_price"
            )
        case ChargeModel.package:
            return _required(charge, at, "metric", "package_size", "package_price") + _forbidden(
                charge, at, "amount", "bill_on", "tiers", "unit_price"
            )
        case ChargeModel.graduated | ChargeModel.volume:
            errors = _required(charge, at, "metric", "tiers") + _forbidden(
                charge, at, "amount", "bill_on", "unit_price", "package_size", "package_price"
            )
            return errors + check_tiers(charge.tiers or [], f"{at}.tiers")
    return []  # pragma: no cover


def check_tiers(tiers: list[TierIn], at: str) -> list[FieldError]:
    """Bounds strictly increasing (no overlap, sorted), only the last tier open."""
    if not tiers:
        return [FieldError(at, "at least one tier is needed", "missing")]
    errors: list[FieldError] = []
    previous: Decimal | None = None
    for i, tier in enumerate(tiers):
        last = i == len(tiers) - 1
        if tier.up_to is None:
            if not last:
                errors.append(FieldError(f"{at}[{i}].up_to", "only the last tier may be open"))
            continue
        if last:
            errors.append(FieldError(f"{at}[{i}].up_to", "the last tier must be open (null)"))
        if previous is not None and tier.up_to <= previous:
            errors.append(
                FieldError(
                    f"{at}[{i}].up_to",
                    f"bounds must increase: {tier.up_to} overlaps or precedes {previous}",
                    "overlap",
                )
            )
        previous = tier.up_to if previous is None else max(previous, tier.up_to)
    return errors

"""Rating: one pure function per charge model. Amounts come back at full precision; the engine
rounds each line to the currency's minor unit (so a line's amount is what a person gets by hand).

Tiers have an inclusive upper bound ``up_to`` (``None`` for the last, open tier). A quantity in a
tier is the part of the usage above the previous bound and up to this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Protocol

ZERO = Decimal(0)


class TierLike(Protocol):
    @property
    def up_to(self) -> Decimal | None: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def flat_fee(self) -> Decimal: ...


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None
    unit_price: Decimal
    flat_fee: Decimal = ZERO


@dataclass(frozen=True)
class Rated:
    """One priced piece of a charge: ``quantity`` x ``unit_price`` (+ ``flat_fee``) = ``amount``."""

    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tier: int | None = None  # 1-based tier number, when the model has tiers
    flat_fee: Decimal = ZERO
    tier_from: Decimal | None = None  # exclusive lower bound of the tier
    tier_to: Decimal | None = None  # inclusive upper bound (None: open)


def _check_units(units: Decimal) -> None:
    if units < 0 or not units.is_finite():
        raise ValueError(f"usage must be a finite quantity >= 0, got {units}")


def rate_fixed(amount: Decimal, active_days: int, period_days: int) -> Rated:
    """A recurring amount, prorated by the days of the period the contract was in service."""
    if not 0 <= active_days <= period_days or period_days <= 0:
        raise ValueError(f"active days {active_days} outside a period of {period_days}")
    if active_days == period_days:
        return Rated(Decimal(1), amount, amount)
    share = Decimal(active_days) / Decimal(period_days)
    # Multiply before dividing: amount x days / days keeps every digit a person would keep.
    return Rated(share, amount, amount * active_days / period_days)


def rate_per_unit(units: Decimal, unit_price: Decimal) -> Rated:
    _check_units(units)
    return Rated(units, unit_price, units * unit_price)


def rate_graduated(units: Decimal, tiers: Sequence[TierLike]) -> list[Rated]:
    """Each tier's units at its own price, plus the tier's flat fee once usage reaches into it.
    Zero usage reaches no tier and costs nothing."""
    _check_units(units)
    out: list[Rated] = []
    lower = ZERO
    for number, tier in enumerate(tiers, start=1):
        if units <= lower:
            break
        upper = units if tier.up_to is None else min(units, tier.up_to)
        quantity = upper - lower
        amount = quantity * tier.unit_price + tier.flat_fee
        out.append(
            Rated(quantity, tier.unit_price, amount, number, tier.flat_fee, lower, tier.up_to)
        )
        if tier.up_to is None:
            break
        lower = tier.up_to
    return out


def rate_volume(units: Decimal, tiers: Sequence[TierLike]) -> Rated | None:
    """Every unit at the price of the tier the total falls in, plus that tier's flat fee.
    Zero usage costs nothing (no tier is reached), as in the graduated model."""
    _check_units(units)
    if units == 0:
        return None
    lower = ZERO
    for number, tier in enumerate(tiers, start=1):
        if tier.up_to is None or units <= tier.up_to:
            amount = units * tier.unit_price + tier.flat_fee
            return Rated(units, tier.unit_price, amount, number, tier.flat_fee, lower, tier.up_to)
        lower = tier.up_to
    raise ValueError("the last tier must be open (up_to null)")


def rate_package(
    units: Decimal, package_size: Decimal, package_price: Decimal, free_units: Decimal = ZERO
) -> Rated:
    """ceil((units - free units) / package size) packages at the package price, never negative."""
    _check_units(units)
    if package_size <= 0:
        raise ValueError("package size must be positive")
    billable = max(ZERO, units - free_units)
    packages = (billable / package_size).to_integral_value(rounding=ROUND_CEILING)
    return Rated(packages, package_price, packages * package_price)

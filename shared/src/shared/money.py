"""Money: Decimal end to end, ISO 4217 minor units, half-up rounding (as PostgreSQL rounds numeric).

Minor units come from the official ISO 4217 table bundled by the ``iso4217`` package, not from
display libraries, which disagree for HUF, IDR, COP and others.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from iso4217 import Currency

from shared.errors import ValidationFailed


@lru_cache(maxsize=512)
def minor_units(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (EUR 2, JPY 0, BHD 3)."""
    try:
        exponent = Currency(currency.upper()).exponent
    except (ValueError, KeyError) as exc:
        raise ValidationFailed.on("currency", f"{currency!r} is not an ISO 4217 code") from exc
    return int(exponent or 0)


def is_currency(code: str) -> bool:
    try:
        minor_units(code)
    except ValidationFailed:
        return False
    return code.isupper() and len(code) == 3


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half away from zero to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def to_decimal(value: object, field: str = "amount") -> Decimal:
    """Parse a JSON money value (string or integer; floats are refused as lossy)."""
    if isinstance(value, float):
        raise ValidationFailed.on(field, "send money as a string, not a float")
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed.on(field, f"{value!r} is not a number") from exc
    if not result.is_finite():
        raise ValidationFailed.on(field, "must be a finite number")
    return result

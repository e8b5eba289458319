"""Money: Decimal end to end, ISO 4217 minor units, half-up rounding (as PostgreSQL rounds numeric).

Minor units come from the official ISO 4217 table bundled by the ``iso4217`` package, not from
display libraries, which disagree for HUF, IDR, COP and others.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, get_args

from iso4217 import Currency
from pydantic import BaseModel, PlainSerializer, SerializerFunctionWrapHandler, model_serializer

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


# --- how amounts are written ---------------------------------------------------------------
# Every answer, event and message writes a money amount the same way: exactly the currency's
# minor units, fixed-point ("146436.88", "18000.00", JPY "18000", BHD "1.250"), whatever
# precision the figure was computed or stored with (numeric(20,4) columns read back as
# "6930.0000"). Quantities, unit prices and rates are not amounts: they keep their precision
# without trailing zeros ("0.45", not "0.4500000000").


def money_text(amount: Decimal, currency: str) -> str:
    """An amount as every answer, event payload and error message writes it."""
    rounded = round_money(amount, currency)
    # A credit that rounds to nothing is "0.00", not "-0.00".
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:f}"


def plain_text(value: Decimal) -> str:
    """A quantity, unit price, rate or ratio: its digits without trailing zeros, never in
    exponent form ("150000", "0.45", "0")."""
    normalized = value.normalize()
    return "0" if normalized.is_zero() else f"{normalized:f}"


class _AmountMark:
    """Marks a field as a money amount, written in the currency of the answer it is in."""


AMOUNT = _AmountMark()


def _amount_alone(value: Decimal) -> str:
    # Outside an answer that knows its currency (a stored plan's terms, a request body echoed
    # in an idempotency hash) the figure is written as it was given.
    return str(value)


# A money amount in an answer: InCurrency writes it with the currency's minor units.
Amount = Annotated[Decimal, AMOUNT, PlainSerializer(_amount_alone, return_type=str)]
MaybeAmount = Annotated[
    Decimal | None,
    AMOUNT,
    PlainSerializer(lambda v: None if v is None else _amount_alone(v), return_type=str | None),
]
# A quantity, unit price or rate in an answer.
PlainDecimal = Annotated[Decimal, PlainSerializer(plain_text, return_type=str)]
MaybePlainDecimal = Annotated[
    Decimal | None,
    PlainSerializer(lambda v: None if v is None else plain_text(v), return_type=str | None),
]


class InCurrency(BaseModel):
    """An answer with a ``currency``: every ``Amount`` in it, nested models and lists
    included, is written with exactly that currency's minor units (a nested model with a
    currency of its own uses its own)."""

    # No return annotation on purpose: pydantic then keeps the model's own JSON schema (an
    # annotated return type would replace it with that type's schema in the OpenAPI document).
    @model_serializer(mode="wrap")
    def _write_amounts(self, handler: SerializerFunctionWrapHandler):
        data = handler(self)
        currency = getattr(self, "currency", None)
        if isinstance(data, dict) and isinstance(currency, str):
            write_amounts(self, data, currency)
        return data


def _is_amount(metadata: list[Any], annotation: Any) -> bool:
    # ``Amount`` directly (pydantic moves its marks to the field's metadata), or inside an
    # optional (``Amount | None`` keeps them on the union's member).
    if any(mark is AMOUNT for mark in metadata):
        return True
    return any(
        any(mark is AMOUNT for mark in getattr(arg, "__metadata__", ()))
        for arg in get_args(annotation)
    )


def write_amounts(model: BaseModel, data: dict[str, Any], currency: str) -> None:
    """Rewrite, in ``data`` (``model`` serialized), every ``Amount`` field of ``model`` and of
    the models it holds with ``currency``'s minor units."""
    for name, field in type(model).model_fields.items():
        key = field.serialization_alias or name
        if key not in data:
            continue
        value = getattr(model, name)
        if _is_amount(field.metadata, field.annotation):
            if isinstance(value, Decimal):
                data[key] = money_text(value, currency)
            continue
        items = value if isinstance(value, list) else [value]
        out = data[key] if isinstance(data[key], list) else [data[key]]
        for item, written in zip(items, out, strict=False):
            if isinstance(item, BaseModel) and isinstance(written, dict):
                own = getattr(item, "currency", None)
                write_amounts(item, written, own if isinstance(own, str) else currency)

"""Annotated types the services' schemas share: IANA time zones, currencies, country codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from shared.money import is_currency


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_zone(name: str) -> str:
    if name not in _zones():
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. Europe/Lisbon)")
    return name


def _check_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (e.g. EUR)")
    return code


class Channel(StrEnum):
    """The channels a contact comes through: the one list the contracts' scope and service
    levels, the metrics' records, activity and filters, and billing's charges name. Any other
    value is refused with a 422 listing these."""

    voice = "voice"
    email = "email"
    chat = "chat"
    sms = "sms"
    social = "social"


class ServiceLevelMetric(StrEnum):
    """What a service level measures: contracts define them, metrics measure them, billing's
    quotes take their results. Ratio metrics (service_level, abandonment_rate, fcr,
    transfer_rate, occupancy) are fractions from 0 to 1."""

    service_level = "service_level"
    asa = "asa"
    aht = "aht"
    abandonment_rate = "abandonment_rate"
    fcr = "fcr"
    csat = "csat"
    nps = "nps"
    transfer_rate = "transfer_rate"
    occupancy = "occupancy"
    # The mean score of QA evaluations (a quality analyst's score of a contact, or of an
    # agent's day), in points 0..100: a score, not a fraction like the ratios.
    quality_score = "quality_score"


TimeZoneName = Annotated[str, Field(examples=["America/Sao_Paulo"]), AfterValidator(_check_zone)]
CurrencyCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    Field(examples=["EUR"]),
    AfterValidator(_check_currency),
]
CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    Field(description="ISO 3166-1 alpha-2", examples=["BR"]),
]


# --- JSON body types that refuse lax coercions -------------------------------------------
# Pydantic's default (lax) mode turns `true` into 1, `0` into 1970-01-01 and 0.1 into a
# Decimal: all silent guesses about what the caller meant. Request bodies use these instead.
# (Query parameters arrive as text and keep the lax types.)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_text(kind: str) -> Callable[[object], object]:
    # Pydantic alone would read 9 or "9" as seconds since 1970: a guess, not a date.
    pattern = _ISO_DATE if kind == "date" else _ISO_DATETIME

    def check(value: object) -> object:
        if isinstance(value, (date, datetime)):  # already parsed (defaults, internal calls)
            return value
        if not isinstance(value, str) or not pattern.match(value):
            example = "2026-10-01" if kind == "date" else "2026-10-01T12:00:00Z"
            raise ValueError(f"send the {kind} as ISO 8601 text, e.g. {example}")
        return value

    return check


def decimal_text(value: object) -> object:
    if isinstance(value, (bool, float)):
        raise ValueError('send decimal numbers as strings (e.g. "12.50"), never as floats')
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps need an offset (e.g. 2026-10-01T12:00:00Z)")
    # Inside the calendar below, converting to UTC (as every service does) cannot overflow.
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        raise ValueError(f"must be a moment from {FIRST_DAY} to {LAST_DAY}")
    return value


# The calendar every service computes in: adding notice days, terms, renewals, payment terms
# or a time zone's offset to a day of year 1 or 9999 overflows Python's dates (a 500). Days
# outside it are refused with a 422 naming the field or parameter.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def _in_calendar(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be a day from {FIRST_DAY} to {LAST_DAY}")
    return value


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_text("date")),
    AfterValidator(_in_calendar),
    Field(examples=["2026-10-01"]),
]
AwareDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_text("timestamp")),
    AfterValidator(_aware),
    Field(examples=["2026-10-01T12:00:00Z"]),
]
DecimalText = Annotated[Decimal, BeforeValidator(decimal_text)]


# --- bounded decimals: what the numeric columns (and Decimal arithmetic) can hold ------------
# A figure beyond its column's precision fails at INSERT, and Decimal arithmetic past 28
# significant digits (quantize, a product) raises InvalidOperation: both were 500s. Inputs are
# refused instead, with a 422 naming the field. Schemas narrow further (``ge=0``, ``lt=100``)
# by adding a ``Field`` to the type.


def fits_numeric(integer_digits: int, decimal_places: int) -> Any:
    """A finite decimal with at most ``integer_digits`` before the point and
    ``decimal_places`` after it: it fits ``numeric(integer_digits + decimal_places,
    decimal_places)``."""
    return Field(
        allow_inf_nan=False,
        max_digits=integer_digits + decimal_places,
        decimal_places=decimal_places,
    )


# Money: under a trillion (12 integer digits), at most 6 decimals. Contracts store it as
# numeric(18, 6); billing's amounts are numeric(20, 4) (rounded to the currency's minor unit,
# at most 4), which leaves four digits of room for sums of lines and tax.
MoneyAmount = Annotated[
    Decimal, BeforeValidator(decimal_text), fits_numeric(12, 6), Field(examples=["1250.00"])
]
# Quantities and unit prices: 12 integer digits, 10 decimals (numeric(30, 10) on invoice
# lines; a quantity times a unit price stays within Decimal's 28 significant digits of cents).
Quantity = Annotated[
    Decimal, BeforeValidator(decimal_text), fits_numeric(12, 10), Field(examples=["0.45"])
]
# Percents and ratios: up to 9999.9999 (tax rates are numeric(7, 4)); schemas cap them lower.
Percent = Annotated[
    Decimal, BeforeValidator(decimal_text), fits_numeric(4, 4), Field(examples=["5.00"])
]


# --- units: percent points and fractions ---------------------------------------------------
# The API's one convention: a field whose name ends in ``_percent`` holds percent points (12.5
# means 12.5 %); every other ratio (service-level targets and measurements of ratio metrics,
# pool shares, occupancy, shrinkage) is a fraction from 0 to 1 (0.8 means 80 %).


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _percent_points(value: Decimal) -> Decimal:
    # 0.12 sent for 12 % would silently put a hundredth of the intended share at risk. No
    # contract puts a fraction of one percent at risk or caps credits there: such a value is
    # a fraction sent by mistake. (Tax rates are exempt: 0.65 % taxes exist.)
    if 0 < value < 1:
        raise ValueError(
            f"percent points: {_plain(value)} means {_plain(value)} %; "
            f"send {_plain(value * 100)} for {_plain(value * 100)} %"
        )
    return value


def fraction_message(value: Decimal) -> str:
    """Why a ratio above 1 is refused, suggesting the fraction likely meant."""
    return (
        f"a fraction from 0 to 1 (0.8 means 80 %): send {_plain(value / 100)} for {_plain(value)} %"
    )


def _fraction(value: Decimal) -> Decimal:
    if value > 1:
        raise ValueError(fraction_message(value))
    return value


# A ratio: a fraction from 0 to 1 (schemas narrow it with ``gt=0`` or ``lt=1``, and add
# ``BeforeValidator(decimal_text)`` where floats are refused).
Fraction = Annotated[
    Decimal,
    fits_numeric(6, 6),
    Field(ge=0, examples=["0.8"], description="A fraction from 0 to 1: 0.8 means 80 %"),
    AfterValidator(_fraction),
]
# Ratio metrics of service levels (their targets and measurements are fractions).
RATIO_METRICS = frozenset(
    {
        ServiceLevelMetric.service_level,
        ServiceLevelMetric.abandonment_rate,
        ServiceLevelMetric.fcr,
        ServiceLevelMetric.transfer_rate,
        ServiceLevelMetric.occupancy,
    }
)


# Percent points of fees or of a pool (service credits, bonuses): 0 or at least 1 (see above).
PercentPoints = Annotated[Percent, AfterValidator(_percent_points)]


JsonInt = StrictInt
JsonBool = StrictBool


def _number_not_bool(value: object) -> object:
    # JSON's true and false are not numbers, though Python's bool is an int
    if isinstance(value, bool):
        raise ValueError("a number is required, not a boolean")
    return value


# A measure (volumes, seconds): an integer or a fraction, never a boolean or a numeric string.
JsonNumber = Annotated[float, BeforeValidator(_number_not_bool), Field(strict=True)]


def unstorable_text(value: str) -> str | None:
    """Why PostgreSQL could not store this text, or None when it can: it stores no NUL
    character, and UTF-8 has no lone surrogate (a JSON "\\ud800" escape decodes to one)."""
    if "\x00" in value:
        return "must not contain a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must not contain a lone surrogate (invalid Unicode)"
    return None


def unstorable_json(value: Any) -> str | None:
    """``unstorable_text`` for the first bad string or key of a JSON value (walked without
    recursion, so any nesting is safe); None when every string can be stored."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if problem := unstorable_text(item):
                return problem
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _storable_text(value: str) -> str:
    # Refused here, naming the field, instead of failing the write (a 500 or a lost batch).
    if problem := unstorable_text(value):
        raise ValueError(problem)
    return value


def _storable_json(value: Any) -> Any:
    if problem := unstorable_json(value):
        raise ValueError(problem)
    return value


# Text a service stores: any Unicode but NUL and lone surrogates.
Text = Annotated[str, AfterValidator(_storable_text)]
# A free-form JSON object (attributes, metadata): every key and string in it, at any depth, is
# storable text (refused as a whole, naming the object's field).
JsonObject = Annotated[dict[str, Any], AfterValidator(_storable_json)]

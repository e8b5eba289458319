"""Annotated types the services' schemas share: IANA time zones, currencies, country codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated
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


# A calendar month, YYYY-MM; years 1970-2999 (no contract or record lives outside them).
PERIOD_PATTERN = r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])$"

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


def _decimal_text(value: object) -> object:
    if isinstance(value, (bool, float)):
        raise ValueError('send decimal numbers as strings (e.g. "12.50"), never as floats')
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps need an offset (e.g. 2026-10-01T12:00:00Z)")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text("date")), Field(examples=["2026-10-01"])]
AwareDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_text("timestamp")),
    AfterValidator(_aware),
    Field(examples=["2026-10-01T12:00:00Z"]),
]
DecimalText = Annotated[Decimal, BeforeValidator(_decimal_text)]
JsonInt = StrictInt
JsonBool = StrictBool

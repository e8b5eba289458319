"""Annotated types the services' schemas share: IANA time zones, currencies, country codes."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, StringConstraints

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

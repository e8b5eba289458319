"""Numbers, money, dates and times in the user's locale (Babel), money in its currency,
times in the contract's time zone. Templates get one ``Formatter`` per request as ``fmt``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

DEFAULT_LOCALE = "en"
RATIO_METRICS = {"service_level", "abandonment_rate", "fcr", "transfer_rate", "occupancy"}
SECONDS_METRICS = {"asa", "aht"}


def negotiate_locale(accept_language: str | None) -> Locale:
    """The first language of the Accept-Language header that Babel knows (by q order)."""
    ranked: list[tuple[float, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality + position * 1e-6, tag))
    for _, tag in sorted(ranked):
        try:
            return Locale.parse(tag.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(DEFAULT_LOCALE)


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def unit_of(metric: str | None, csat_mode: str | None = None, unit: str | None = None) -> str:
    """How a service level's figures read: a ratio (shown as a percentage), seconds, or
    a plain score."""
    if unit in ("ratio", "seconds"):
        return unit
    if metric in RATIO_METRICS or (metric == "csat" and csat_mode != "mean"):
        return "ratio"
    if metric in SECONDS_METRICS:
        return "seconds"
    return "score"


class Formatter:
    def __init__(self, locale: Locale) -> None:
        self.locale = locale

    @property
    def language(self) -> str:
        return str(self.locale).replace("_", "-")

    def money(self, amount: Any, currency: str | None) -> str:
        value = to_decimal(amount)
        if value is None:
            return "—"
        if not currency:
            return self.number(value)
        return babel_numbers.format_currency(value, currency, locale=self.locale)

    def number(self, value: Any, digits: int | None = None) -> str:
        number = to_decimal(value)
        if number is None:
            return "—"
        if digits is not None:
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            return babel_numbers.format_decimal(number, format=pattern, locale=self.locale)
        return babel_numbers.format_decimal(number, locale=self.locale)

    def percent(self, ratio: Any, digits: int = 2) -> str:
        value = to_decimal(ratio)
        if value is None:
            return "—"
        pattern = self.locale.percent_formats[None].pattern
        if digits:
            pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
        return babel_numbers.format_percent(value, format=pattern, locale=self.locale)

    def measure(self, value: Any, unit: str) -> str:
        """A service level's figure in its unit."""
        if unit == "ratio":
            return self.percent(value)
        if unit == "seconds":
            number = to_decimal(value)
            return "—" if number is None else f"{self.number(number, 1)} s"
        return self.number(value, 2)

    def date(self, value: Any, format: str = "medium") -> str:
        if not value:
            return "—"
        day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return babel_dates.format_date(day, format=format, locale=self.locale)

    def datetime(self, value: Any, zone: str | None = None, format: str = "medium") -> str:
        if not value:
            return "—"
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        tz = ZoneInfo(zone) if zone else None
        return babel_dates.format_datetime(moment, format=format, tzinfo=tz, locale=self.locale)

    def time(self, value: Any, zone: str | None = None) -> str:
        if not value:
            return "—"
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        tz = ZoneInfo(zone) if zone else None
        return babel_dates.format_time(moment, format="short", tzinfo=tz, locale=self.locale)

    def month(self, period: str) -> str:
        """A period ``YYYY-MM`` as the month's name."""
        day = date.fromisoformat(f"{period}-01")
        return babel_dates.format_skeleton("yMMMM", day, locale=self.locale)

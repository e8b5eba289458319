"""Billing periods: calendar months in the contract's time zone, as dates."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from shared.errors import ValidationFailed

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, field: str = "period") -> Period:
        match = PERIOD_RE.match(text or "")
        if not match:
            raise ValidationFailed.on(field, f"{text!r} is not a month (YYYY-MM)")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The last day of the month (inclusive)."""
        return date(self.year, self.month, self.days)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]


@dataclass(frozen=True)
class ServiceWindow:
    """The days of a period the contract was in service (inclusive)."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def service_window(period: Period, start: date | None, end: date | None) -> ServiceWindow | None:
    """Clip [start, end] (inclusive, either open) to the period; None when they do not meet."""
    first = max(period.start, start) if start else period.start
    last = min(period.end, end) if end else period.end
    return ServiceWindow(first, last) if first <= last else None

"""The one billing and reporting period of every service: a calendar month, ``YYYY-MM``.

Months run from 1970-01 to 2999-12: no contract, record or invoice lives outside them, and
every service computes with a month's first day, last day and the next month's first day (in
any time zone) without leaving Python's or PostgreSQL's date range. Schemas take
``CalendarMonth`` (text, checked); code that computes takes ``Period``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

from shared.errors import ValidationFailed

FIRST_YEAR, LAST_YEAR = 1970, 2999
PERIOD_PATTERN = r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])$"
_PERIOD = re.compile(PERIOD_PATTERN)
PERIOD_RULE = f"a calendar month YYYY-MM from {FIRST_YEAR}-01 to {LAST_YEAR}-12"


def _check_period(text: str) -> str:
    if not _PERIOD.match(text):
        raise ValueError(f"{text[:20]!r} is not {PERIOD_RULE}")
    return text


CalendarMonth = Annotated[
    str,
    AfterValidator(_check_period),
    Field(
        description=PERIOD_RULE[0].upper() + PERIOD_RULE[1:],
        examples=["2026-10"],
        json_schema_extra={"pattern": PERIOD_PATTERN},
    ),
]


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, field: str = "period") -> Period:
        if not isinstance(text, str) or not _PERIOD.match(text):
            raise ValidationFailed.on(field, f"{str(text)[:20]!r} is not {PERIOD_RULE}")
        return cls(int(text[:4]), int(text[5:7]))

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

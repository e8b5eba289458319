"""Small helpers the pages share."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from starlette.exceptions import HTTPException

PERIOD = re.compile(r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])$")


def check_period(period: str | None) -> str | None:
    """A ``YYYY-MM`` from a query string, or None; anything else is the app's 404."""
    if not period:
        return None
    if not PERIOD.match(period):
        raise HTTPException(404)
    return period


def check_id(value: str) -> str:
    """An id in a URL: a UUID, or the app's 404 (never a call to the API with junk)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise HTTPException(404) from None


def month_bounds(period: str) -> tuple[date, date]:
    """First day of the month, first day of the next."""
    start = date.fromisoformat(f"{period}-01")
    return start, (start + timedelta(days=32)).replace(day=1)


def previous_period(period: str) -> str:
    start, _ = month_bounds(period)
    return (start - timedelta(days=1)).strftime("%Y-%m")


def next_period(period: str) -> str:
    _, end = month_bounds(period)
    return end.strftime("%Y-%m")

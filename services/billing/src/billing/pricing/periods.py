"""Billing periods: calendar months in the contract's time zone, as dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.periods import Period

__all__ = ["Period", "ServiceWindow", "service_window"]


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

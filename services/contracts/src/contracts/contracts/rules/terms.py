"""Renewal, notice and termination arithmetic: pure functions of dates, no database, no clock.

Conventions (also in the README):
- every end date is the *last day in force* (inclusive); a period that starts on ``d`` for
  ``n`` months ends on ``add_months(d, n) - 1 day``;
- renewed periods are counted from the anchor, never chained, so month ends do not drift
  (a term starting Jan 31 renews on Feb 28/29, Mar 31, Apr 30 ...);
- the notice deadline is the period end minus the notice days: the last day notice of
  non-renewal or termination can be given so that it takes effect at the period end;
- a termination's effective date is the last day in force, and stops every later renewal.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

ONE_DAY = timedelta(days=1)


class RenewalType(StrEnum):
    fixed = "fixed"
    auto_renew = "auto_renew"
    evergreen = "evergreen"


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` months, clamped to the month end (Jan 31 + 1 = Feb 28/29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (``add_months(start, n) <= end``)."""
    n = (end.year - start.year) * 12 + end.month - start.month
    while n > 0 and add_months(start, n) > end:
        n -= 1
    while add_months(start, n + 1) <= end:
        n += 1
    return n


@dataclass(frozen=True)
class TermRule:
    """A contract's term, reduced to what the arithmetic needs."""

    start_date: date
    renewal_type: RenewalType
    initial_term_months: int | None = None  # either this ...
    end_date: date | None = None  # ... or an explicit end of the initial term
    renewal_term_months: int | None = None
    max_renewals: int | None = None  # None: unlimited (auto_renew only)
    notice_days: int = 0
    reminder_lead_days: int = 0

    def __post_init__(self) -> None:
        one_end = (self.initial_term_months is None) != (self.end_date is None)
        if self.renewal_type is not RenewalType.evergreen and not one_end:
            raise ValueError("give exactly one of initial_term_months and end_date")
        if self.renewal_type is RenewalType.auto_renew and not self.renewal_term_months:
            raise ValueError("an auto-renewing term needs renewal_term_months")

    def period_end(self, k: int) -> date:
        """Last day of period ``k`` (0 = the initial term, 1 = the first renewal ...)."""
        if self.end_date is not None:
            anchor, base = self.end_date + ONE_DAY, 0
        else:
            assert self.initial_term_months is not None
            anchor, base = self.start_date, self.initial_term_months
        if k == 0:
            return add_months(anchor, base) - ONE_DAY
        return add_months(anchor, base + k * (self.renewal_term_months or 0)) - ONE_DAY

    def period_start(self, k: int) -> date:
        return self.start_date if k == 0 else self.period_end(k - 1) + ONE_DAY

    def last_renewal(self) -> int | None:
        """Index of the last period that can exist, None when renewals are unlimited."""
        if self.renewal_type is RenewalType.fixed:
            return 0
        if self.renewal_type is RenewalType.auto_renew:
            return self.max_renewals
        return None

    def period_index(self, on: date) -> int:
        """The period that contains ``on`` (0 before the start; capped at the last one)."""
        if on <= self.period_end(0) or self.renewal_type is not RenewalType.auto_renew:
            return 0
        step = self.renewal_term_months or 1
        k = max(0, months_between(self.period_end(0) + ONE_DAY, on) // step)
        while k > 0 and self.period_end(k - 1) >= on:
            k -= 1
        while self.period_end(k) < on:
            k += 1
        last = self.last_renewal()
        return k if last is None else min(k, last)


@dataclass(frozen=True)
class Position:
    """Where a contract stands on a day, by its term and any termination."""

    on: date
    started: bool
    ended: bool  # past the final end (expired or terminated)
    renewals_done: int
    period_start: date
    period_end: date | None  # None: evergreen
    notice_deadline: date | None
    next_renewal_date: date | None  # the day the next period starts, if it will renew
    final_end: date | None  # last day in force if known (fixed, max reached, terminated)
    will_renew: bool

    @property
    def in_force(self) -> bool:
        return self.started and not self.ended


def position(rule: TermRule, on: date, terminate_on: date | None = None) -> Position:
    """The period containing ``on``, its notice deadline, the next renewal and the final end.

    After any number of auto-renewals the notice is counted from the renewed end. A
    termination (``terminate_on``: its last day in force) lets the term renew until the
    period containing it, then ends it there.
    """
    started = on >= rule.start_date
    if rule.renewal_type is RenewalType.evergreen:
        ended = terminate_on is not None and on > terminate_on
        return Position(
            on=on,
            started=started,
            ended=ended,
            renewals_done=0,
            period_start=rule.start_date,
            period_end=None,
            notice_deadline=None,
            next_renewal_date=None,
            final_end=terminate_on,
            will_renew=False,
        )
    k = rule.period_index(on)
    if terminate_on is not None:
        k = min(k, rule.period_index(terminate_on))
    end = rule.period_end(k)
    last = rule.last_renewal()
    can_renew = rule.renewal_type is RenewalType.auto_renew and (last is None or k < last)
    will_renew = can_renew and (terminate_on is None or terminate_on > end)
    final_end: date | None = None if can_renew else end
    if last is not None:
        final_end = rule.period_end(last)
    if terminate_on is not None:
        final_end = terminate_on if final_end is None else min(final_end, terminate_on)
    return Position(
        on=on,
        started=started,
        ended=final_end is not None and on > final_end,
        renewals_done=k,
        period_start=rule.period_start(k),
        period_end=end,
        notice_deadline=end - timedelta(days=rule.notice_days),
        next_renewal_date=end + ONE_DAY if will_renew else None,
        final_end=final_end,
        will_renew=will_renew,
    )


def earliest_termination(notice_date: date, notice_days: int) -> date:
    """The earliest last day in force for notice given on ``notice_date``."""
    return notice_date + timedelta(days=notice_days)


def months_remaining(effective_date: date, period_end: date) -> int:
    """Calendar months (rounded up) from the day after ``effective_date`` to the period end."""
    if effective_date >= period_end:
        return 0
    first, stop = effective_date + ONE_DAY, period_end + ONE_DAY
    whole = months_between(first, stop)
    return whole if add_months(first, whole) == stop else whole + 1


class FeeKind(StrEnum):
    none = "none"
    fixed = "fixed"
    months_of_minimum = "months_of_minimum"


def early_termination_fee(
    kind: FeeKind,
    *,
    effective_date: date,
    period_end: date | None,
    amount: Decimal | None = None,
    months: int | None = None,
    monthly_minimum: Decimal | None = None,
) -> Decimal:
    """What a termination for convenience owes: nothing at or after the period end; a fixed
    amount before it; or N months of the minimum monthly commitment, never more months than
    are left in the period (an evergreen contract has no period end: the rule applies in full)."""
    if kind is FeeKind.none or (period_end is not None and effective_date >= period_end):
        return Decimal(0)
    if kind is FeeKind.fixed:
        return amount or Decimal(0)
    owed = months or 0
    if period_end is not None:
        owed = min(owed, months_remaining(effective_date, period_end))
    return (monthly_minimum or Decimal(0)) * owed

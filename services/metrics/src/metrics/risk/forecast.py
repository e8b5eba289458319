"""The rest of a period, forecast from a contract's own history: a seasonal profile by weekday
and quarter hour of the local day.

Contact-center traffic repeats by week: Mondays look like Mondays, the 10:00 peak comes back
every weekday. With a few weeks of history, the mean of the same weekday and quarter hour over
the last ``HISTORY_WEEKS`` weeks is the standard baseline of workforce tools (it beats a flat
month-to-date rate whenever the remaining days are not a random sample of the week), and its
spread across those weeks gives the uncertainty. Holidays are left out of the history; a
future holiday is forecast with the Sunday profile (the quietest day of most contracts) unless
the level counts only business hours, where a holiday is closed. Days before the contract's
first version are not history.

Every figure is a pair (numerator, denominator) of a service level, summed per quarter hour
from the same slices and filters as the SLA report, so the forecast's denominators are in the
level's own unit (offered contacts net of short abandons, answered contacts, survey answers…).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

HISTORY_WEEKS = 8
SLOT = timedelta(minutes=15)
SUNDAY = 6
Z90 = 1.6448536269514722  # a two-sided 90 % band of a normal


@dataclass
class Observed:
    """A level's numerator and denominator per local day and quarter hour of history."""

    cells: dict[tuple[date, int], tuple[int, int]] = field(default_factory=dict)

    def add(self, day: date, slot: int, numerator: int, denominator: int) -> None:
        n, d = self.cells.get((day, slot), (0, 0))
        self.cells[(day, slot)] = (n + numerator, d + denominator)


class SlotForecast(NamedTuple):
    """(A tuple: a month of them is made per level and window, and a frozen dataclass is
    several times slower to make.)"""

    start: datetime  # UTC
    expected: float  # the level's denominator expected in this quarter hour
    variance: float
    numerator: float = 0.0  # the level's numerator expected with it


@dataclass(frozen=True)
class Profile:
    """Per (weekday, quarter hour): mean and variance of the denominator across the history's
    weeks; the history's rate (numerator per denominator unit) and its day-to-day variance."""

    mean: dict[tuple[int, int], float]
    variance: dict[tuple[int, int], float]
    numerator: dict[tuple[int, int], float]  # mean numerator: the rate follows the slot mix
    rate: float | None
    rate_variance_per_day: float  # spread of one day's rate around ``rate``
    daily_volume: float  # a history day's mean denominator
    days: int  # history days the profile was learned from
    # The rate of the history's median day (by volume): what a day brings when nothing
    # unusual happens, which one incident in the history does not move.
    typical_rate: float | None = None

    def slot(self, weekday: int, slot: int) -> tuple[float, float]:
        return self.mean.get((weekday, slot), 0.0), self.variance.get((weekday, slot), 0.0)

    def slot_numerator(self, weekday: int, slot: int) -> float:
        return self.numerator.get((weekday, slot), 0.0)


def learn(observed: Observed, days: Iterable[date]) -> Profile:
    """The profile from the history ``days`` (holidays and days before the contract already
    left out by the caller): every day counts, with zero where nothing was observed."""
    by_weekday: dict[int, list[date]] = defaultdict(list)
    for day in days:
        by_weekday[day.weekday()].append(day)
    slots_of_day = 96  # quarter hours; a DST day's 92 or 100 are folded by local clock time
    mean: dict[tuple[int, int], float] = {}
    variance: dict[tuple[int, int], float] = {}
    numerators: dict[tuple[int, int], float] = {}
    get, nothing = observed.cells.get, (0, 0)
    for weekday, weekdays in by_weekday.items():
        count = len(weekdays)
        for slot in range(slots_of_day):
            cells = [get((d, slot), nothing) for d in weekdays]
            values = [d for _, d in cells]
            m = sum(values) / count
            mean[(weekday, slot)] = m
            numerators[(weekday, slot)] = sum([n for n, _ in cells]) / count
            # Between-week spread, and at least Poisson's (a count's own noise)
            spread = sum([(v - m) ** 2 for v in values]) / (count - 1) if count > 1 else m
            variance[(weekday, slot)] = max(spread, m)
    numerator = sum(n for n, _ in observed.cells.values())
    denominator = sum(d for _, d in observed.cells.values())
    rate = numerator / denominator if denominator else None
    daily: dict[date, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for (day, _), (n, d) in observed.cells.items():
        dn, dd = daily[day]
        daily[day] = (dn + n, dd + d)
    rate_variance = 0.0
    history_days = sum(len(v) for v in by_weekday.values())
    if rate is not None:
        # A day's rate strays from the history's by its own sampling noise and by real
        # day-to-day change; both shrink for a rest of many days (see ``rest_rate_variance``).
        weighted = [(d, n / d) for n, d in daily.values() if d > 0]
        if len(weighted) > 1:
            rate_variance = sum(d * (r - rate) ** 2 for d, r in weighted) / denominator
    daily_volume = denominator / history_days if history_days else 0.0
    typical = _weighted_median([(n / d, d) for n, d in daily.values() if d > 0])
    return Profile(
        mean, variance, numerators, rate, rate_variance, daily_volume, history_days, typical
    )


def _weighted_median(values: list[tuple[float, int]]) -> float | None:
    """The value at which half the weight lies on either side."""
    if not values:
        return None
    values.sort()
    half, seen = sum(w for _, w in values) / 2, 0
    for value, weight in values:
        seen += weight
        if seen >= half:
            return value
    return values[-1][0]


def rest_rate_variance(profile: Profile, rest: float) -> float:
    """The variance of the rate over ``rest`` denominator units still to come: a day's
    variance scaled by how many days' volume the rest is (the spread of a mean of days)."""
    if rest <= 0 or profile.daily_volume <= 0:
        return 0.0
    return profile.rate_variance_per_day * profile.daily_volume / rest


def slot_of(local: datetime) -> int:
    return local.hour * 4 + local.minute // 15


def rest_of_period(
    profile: Profile,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    *,
    holidays: set[date],
    closed: Callable[[datetime], bool],
) -> list[SlotForecast]:
    """One forecast per quarter hour from ``start`` to ``end`` (UTC, on quarter hours);
    ``closed(local)`` says a quarter hour the level does not count (outside its business
    hours), forecast as zero."""
    out = []
    at = start
    while at < end:
        local, day, weekday, slot = _clock(at, tz)
        if closed(local):
            out.append(SlotForecast(at, 0.0, 0.0))
        else:
            if day in holidays:
                weekday = SUNDAY
            m, v = profile.slot(weekday, slot)
            out.append(SlotForecast(at, m, v, profile.slot_numerator(weekday, slot)))
        at += SLOT
    return out


@lru_cache(maxsize=16_384)
def _clock(at: datetime, tz: ZoneInfo) -> tuple[datetime, date, int, int]:
    """(local time, local day, weekday, quarter hour) of an instant: every level of a
    projection, and every projection of a contract, walks the same quarter hours."""
    local = at.astimezone(tz)
    return local, local.date(), local.weekday(), slot_of(local)


def band(slots: Iterable[SlotForecast]) -> tuple[float, float, float]:
    """(expected, low, high) of the sum, a 90 % band (the quarter hours taken as independent)."""
    slots = list(slots)
    expected = sum(s.expected for s in slots)
    sigma = math.sqrt(sum(s.variance for s in slots))
    return expected, max(0.0, expected - Z90 * sigma), expected + Z90 * sigma


def floor_to_slot(ts: datetime) -> datetime:
    ts = ts.astimezone(UTC)
    return ts.replace(minute=ts.minute - ts.minute % 15, second=0, microsecond=0)

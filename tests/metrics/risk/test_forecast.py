"""The seasonal forecast on its own: weekday and quarter-hour profile, holidays, closed hours."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from metrics.risk import forecast as fc

LISBON = ZoneInfo("Europe/Lisbon")


def history(weeks: int, per_weekday: dict[int, int], slot: int = 40) -> tuple[fc.Observed, list]:
    """``weeks`` of history ending on 2026-10-04 (a Sunday): ``per_weekday[w]`` contacts at
    10:00 on each weekday w, 90 % of them within target."""
    observed = fc.Observed()
    days = []
    day = date(2026, 10, 4) - timedelta(days=7 * weeks - 1)
    while day <= date(2026, 10, 4):
        count = per_weekday.get(day.weekday(), 0)
        observed.add(day, slot, count * 9 // 10, count)
        days.append(day)
        day += timedelta(days=1)
    return observed, days


def test_the_profile_repeats_the_week() -> None:
    observed, days = history(4, {0: 100, 1: 60, 5: 20})
    profile = fc.learn(observed, days)
    assert profile.slot(0, 40) == (100.0, 100.0)  # no spread: at least Poisson's
    assert profile.slot(1, 40)[0] == 60.0 and profile.slot(6, 40) == (0.0, 0.0)
    assert profile.rate == pytest.approx(0.9) and profile.days == 28
    # Monday 2026-10-05 10:00 Lisbon = 09:00 UTC
    start = datetime(2026, 10, 5, 0, tzinfo=LISBON).astimezone(UTC)
    week = fc.rest_of_period(
        profile, start, start + timedelta(days=7), LISBON, holidays=set(), closed=lambda _: False
    )
    assert len(week) == 7 * 96
    busy = {s.start.astimezone(LISBON).strftime("%a %H:%M"): s.expected for s in week if s.expected}
    assert busy == {"Mon 10:00": 100.0, "Tue 10:00": 60.0, "Sat 10:00": 20.0}
    expected, low, high = fc.band(week)
    assert expected == 180.0 and low < 180 < high


def test_a_holiday_is_a_sunday_and_closed_hours_are_empty() -> None:
    observed, days = history(3, {0: 100, 6: 7})
    profile = fc.learn(observed, days)
    monday = datetime(2026, 10, 5, 0, tzinfo=LISBON).astimezone(UTC)
    holiday = fc.rest_of_period(
        profile, monday, monday + timedelta(days=1), LISBON,
        holidays={date(2026, 10, 5)}, closed=lambda _: False,
    )  # fmt: skip
    assert sum(s.expected for s in holiday) == 7.0
    closed = fc.rest_of_period(
        profile, monday, monday + timedelta(days=1), LISBON, holidays=set(), closed=lambda _: True
    )
    assert sum(s.expected for s in closed) == 0.0


def test_spread_across_weeks_widens_the_band() -> None:
    steady, days = history(4, {0: 100})
    varying = fc.Observed()
    for i, day in enumerate(days):
        if day.weekday() == 0:
            varying.add(day, 40, 0, (50, 150, 80, 120)[i // 7])
    monday = datetime(2026, 10, 5, tzinfo=UTC)
    narrow = fc.band(
        fc.rest_of_period(fc.learn(steady, days), monday, monday + timedelta(days=1), UTC,
                          holidays=set(), closed=lambda _: False)
    )  # fmt: skip
    wide = fc.band(
        fc.rest_of_period(fc.learn(varying, days), monday, monday + timedelta(days=1), UTC,
                          holidays=set(), closed=lambda _: False)
    )  # fmt: skip
    assert narrow[0] == wide[0] == 100.0
    assert wide[2] - wide[1] > narrow[2] - narrow[1]


def test_floor_to_slot() -> None:
    at = datetime(2026, 10, 5, 10, 44, 59, tzinfo=UTC)
    assert fc.floor_to_slot(at) == datetime(2026, 10, 5, 10, 30, tzinfo=UTC)


def test_the_typical_rate_is_the_median_days_not_moved_by_an_incident() -> None:
    observed, days = history(4, dict.fromkeys(range(7), 100))  # 90 of 100 every day
    assert fc.learn(observed, days).typical_rate == pytest.approx(0.9)
    incident = days[10]
    observed.cells[(incident, 40)] = (10, 100)  # one day short of agents: 10 of 100
    profile = fc.learn(observed, days)
    assert profile.rate == pytest.approx((27 * 90 + 10) / 2800)  # the mean moves
    assert profile.typical_rate == pytest.approx(0.9)  # the typical day does not
    # By volume: a quiet bad day weighs less than a busy good one.
    skewed = fc.Observed()
    skewed.add(days[0], 40, 0, 10)
    skewed.add(days[1], 40, 50, 100)
    skewed.add(days[2], 40, 2, 20)
    assert fc.learn(skewed, days[:3]).typical_rate == pytest.approx(0.5)

import calendar
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.contracts.rules.terms import (
    FeeKind,
    RenewalType,
    TermRule,
    add_months,
    earliest_termination,
    early_termination_fee,
    months_remaining,
    position,
)

DAY = timedelta(days=1)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
months = st.integers(min_value=1, max_value=60)


def auto(start: date, initial: int = 12, renewal: int = 12, **kw: object) -> TermRule:
    return TermRule(
        start_date=start,
        renewal_type=RenewalType.auto_renew,
        initial_term_months=initial,
        renewal_term_months=renewal,
        **kw,  # type: ignore[arg-type]
    )


class TestAddMonths:
    @pytest.mark.parametrize(
        ("day", "n", "expected"),
        [
            (date(2026, 1, 31), 1, date(2026, 2, 28)),
            (date(2028, 1, 31), 1, date(2028, 2, 29)),
            (date(2028, 2, 29), 12, date(2029, 2, 28)),
            (date(2026, 3, 31), -1, date(2026, 2, 28)),
            (date(2026, 12, 15), 1, date(2027, 1, 15)),
            (date(2026, 5, 31), 1, date(2026, 6, 30)),
        ],
    )
    def test_known_dates(self, day: date, n: int, expected: date) -> None:
        assert add_months(day, n) == expected

    @given(dates, st.integers(min_value=-120, max_value=120))
    def test_lands_in_the_right_month_clamped_to_its_end(self, day: date, n: int) -> None:
        result = add_months(day, n)
        assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == n
        last = calendar.monthrange(result.year, result.month)[1]
        assert result.day == min(day.day, last)

    @given(dates, st.integers(min_value=0, max_value=120))
    def test_never_goes_backwards(self, day: date, n: int) -> None:
        assert add_months(day, n) >= day


class TestPeriods:
    @given(dates, months, months, st.integers(min_value=0, max_value=30))
    def test_periods_are_contiguous_and_non_empty(
        self, start: date, initial: int, renewal: int, k: int
    ) -> None:
        rule = auto(start, initial, renewal)
        assert rule.period_start(k + 1) == rule.period_end(k) + DAY
        assert rule.period_end(k) >= rule.period_start(k)

    @given(dates, months, months, st.integers(min_value=0, max_value=3000))
    def test_the_period_found_contains_the_day(
        self, start: date, initial: int, renewal: int, offset: int
    ) -> None:
        rule = auto(start, initial, renewal)
        on = start + timedelta(days=offset)
        pos = position(rule, on)
        assert pos.period_start <= on <= pos.period_end  # type: ignore[operator]
        assert pos.in_force and pos.will_renew
        assert pos.next_renewal_date == pos.period_end + DAY  # type: ignore[operator]

    @given(dates, months, months, st.integers(0, 365), st.integers(min_value=0, max_value=3000))
    def test_notice_counts_from_the_renewed_end(
        self, start: date, initial: int, renewal: int, notice: int, offset: int
    ) -> None:
        rule = auto(start, initial, renewal, notice_days=notice)
        pos = position(rule, start + timedelta(days=offset))
        assert pos.notice_deadline == pos.period_end - timedelta(days=notice)  # type: ignore[operator]

    @given(dates, st.integers(1, 24), st.integers(1, 24), st.integers(0, 5), st.integers(0, 4000))
    def test_max_renewals_end_the_contract(
        self, start: date, initial: int, renewal: int, max_renewals: int, offset: int
    ) -> None:
        rule = auto(start, initial, renewal, max_renewals=max_renewals)
        on = start + timedelta(days=offset)
        pos = position(rule, on)
        assert pos.renewals_done <= max_renewals
        final = rule.period_end(max_renewals)
        assert pos.ended == (on > final)
        if pos.renewals_done == max_renewals:
            assert not pos.will_renew and pos.final_end == final

    @given(dates, months, st.integers(0, 2000))
    def test_a_fixed_term_never_renews(self, start: date, initial: int, offset: int) -> None:
        rule = TermRule(start, RenewalType.fixed, initial_term_months=initial)
        pos = position(rule, start + timedelta(days=offset))
        assert pos.renewals_done == 0 and pos.next_renewal_date is None
        assert pos.final_end == add_months(start, initial) - DAY

    def test_month_end_start_does_not_drift(self) -> None:
        rule = auto(date(2027, 1, 31), initial=1, renewal=1)
        ends = [rule.period_end(k) for k in range(4)]
        # counted from the start: Feb 28, Mar 31, Apr 30, May 31 are the renewal days
        assert ends == [date(2027, 2, 27), date(2027, 3, 30), date(2027, 4, 29), date(2027, 5, 30)]

    def test_leap_year_renewal(self) -> None:
        rule = auto(date(2027, 2, 28), initial=12, renewal=12, notice_days=30)
        pos = position(rule, date(2028, 3, 1))
        assert pos.renewals_done == 1
        assert pos.period_start == date(2028, 2, 28)
        assert pos.period_end == date(2029, 2, 27)
        assert pos.notice_deadline == date(2029, 1, 28)

    def test_auto_renewal_moves_the_notice_deadline(self) -> None:
        rule = auto(date(2027, 1, 1), notice_days=90)
        before = position(rule, date(2027, 12, 31))
        after = position(rule, date(2028, 1, 1))
        assert (before.period_end, before.notice_deadline) == (
            date(2027, 12, 31),
            date(2027, 10, 2),
        )
        assert (after.period_end, after.notice_deadline) == (date(2028, 12, 31), date(2028, 10, 2))
        assert after.renewals_done == 1 and after.next_renewal_date == date(2029, 1, 1)

    def test_explicit_end_date_renews_from_the_day_after(self) -> None:
        rule = TermRule(
            date(2027, 1, 15),
            RenewalType.auto_renew,
            end_date=date(2027, 6, 30),
            renewal_term_months=6,
        )
        assert [rule.period_end(k) for k in range(3)] == [
            date(2027, 6, 30),
            date(2027, 12, 31),
            date(2028, 6, 30),
        ]

    @given(dates, st.integers(0, 2000), months, st.integers(min_value=0, max_value=30))
    def test_explicit_end_periods_are_contiguous(
        self, start: date, length: int, renewal: int, k: int
    ) -> None:
        rule = TermRule(
            start,
            RenewalType.auto_renew,
            end_date=start + timedelta(days=length),
            renewal_term_months=renewal,
        )
        assert rule.period_start(k + 1) == rule.period_end(k) + DAY
        assert rule.period_end(k) >= rule.period_start(k)

    @given(dates, st.integers(0, 4000))
    def test_evergreen_has_no_period_end(self, start: date, offset: int) -> None:
        rule = TermRule(start, RenewalType.evergreen, notice_days=30)
        pos = position(rule, start + timedelta(days=offset))
        assert pos.period_end is None and pos.notice_deadline is None and pos.in_force


class TestTermination:
    @given(dates, months, months, st.integers(0, 2000), st.integers(0, 2000))
    def test_termination_stops_renewal(
        self, start: date, initial: int, renewal: int, at: int, offset: int
    ) -> None:
        rule = auto(start, initial, renewal)
        terminate_on = start + timedelta(days=at)
        on = start + timedelta(days=offset)
        pos = position(rule, on, terminate_on)
        assert pos.ended == (on > terminate_on)
        if on <= terminate_on:
            assert pos.period_start <= on <= pos.period_end  # type: ignore[operator]
        assert pos.final_end == terminate_on or not pos.will_renew

    @settings(max_examples=50)
    @given(dates, st.integers(0, 365))
    def test_earliest_date_honours_the_notice(self, notice_date: date, days: int) -> None:
        assert (earliest_termination(notice_date, days) - notice_date).days == days

    @pytest.mark.parametrize(
        ("effective", "end", "expected"),
        [
            (date(2027, 12, 31), date(2027, 12, 31), 0),
            (date(2027, 11, 30), date(2027, 12, 31), 1),
            (date(2027, 11, 29), date(2027, 12, 31), 2),
            (date(2027, 6, 30), date(2027, 12, 31), 6),
            (date(2028, 1, 31), date(2028, 2, 29), 1),
        ],
    )
    def test_months_remaining_rounds_up(self, effective: date, end: date, expected: int) -> None:
        assert months_remaining(effective, end) == expected

    def test_fee_in_months_of_minimum_is_capped_by_months_left(self) -> None:
        fee = early_termination_fee(
            FeeKind.months_of_minimum,
            effective_date=date(2027, 10, 31),
            period_end=date(2027, 12, 31),
            months=3,
            monthly_minimum=Decimal("1000.00"),
        )
        assert fee == Decimal("2000.00")

    def test_no_fee_at_the_period_end(self) -> None:
        fee = early_termination_fee(
            FeeKind.fixed,
            effective_date=date(2027, 12, 31),
            period_end=date(2027, 12, 31),
            amount=Decimal("500"),
        )
        assert fee == 0

    def test_fixed_fee_before_the_end(self) -> None:
        fee = early_termination_fee(
            FeeKind.fixed,
            effective_date=date(2027, 6, 30),
            period_end=date(2027, 12, 31),
            amount=Decimal("500"),
        )
        assert fee == Decimal("500")

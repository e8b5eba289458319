from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from metrics.kpis import figures as f
from metrics.kpis.figures import Sums, Variant
from metrics.timeutil import bucket_start, hourly_rollups_fit, month_bounds, next_bucket


def sums() -> Sums:
    # A = 10 (8 within 20 s), Ab = 4 (2 within 20 s, 1 within S = 3), F = 2
    return Sums(
        contacts=16,
        answered=10,
        abandoned=4,
        flow_outs=2,
        answered_le={19: 7, 20: 8, 3: 1},
        abandoned_le={19: 2, 20: 2, 3: 1},
    )


class TestServiceLevelVariants:
    @pytest.mark.parametrize(
        ("variant", "numerator", "denominator"),
        [
            (Variant.answered_over_offered, 8, 13),
            (Variant.answered_over_answered, 8, 10),
            (Variant.abandons_within_threshold_met, 10, 14),
            (Variant.abandons_within_threshold_ignored, 8, 12),
        ],
    )
    def test_spec_definitions(self, variant: Variant, numerator: int, denominator: int) -> None:
        fig = f.service_level(sums(), 20, variant=variant, short_abandon_seconds=3)
        assert (fig.numerator, fig.denominator) == (numerator, denominator)

    def test_strict_reads_one_second_less(self) -> None:
        assert f.service_level(sums(), 20, strict=True).numerator == 7

    def test_flow_outs_only_when_asked(self) -> None:
        assert f.service_level(sums(), 20, include_flow_outs=True).denominator == 16

    def test_short_abandon_zero_means_none(self) -> None:
        assert f.abandonment_rate(sums(), 0).numerator == 4
        assert f.abandonment_rate(sums(), 3).as_dict() == {
            "value": "0.230769",
            "numerator": 3,
            "denominator": 13,
        }


class TestNoData:
    def test_empty_denominator_is_none_not_zero(self) -> None:
        empty = Sums()
        assert f.service_level(empty, 20).value is None
        assert f.asa(empty).as_dict() == {"value": None, "numerator": 0, "denominator": 0}

    def test_nps_scaled(self) -> None:
        s = Sums(nps_responses=3, nps_promoters=2, nps_detractors=0)
        assert f.nps(s).value == Decimal("66.666667")


class TestCalendar:
    def test_month_bounds_in_zone(self) -> None:
        first, last, start, end = month_bounds("2026-10", ZoneInfo("America/Sao_Paulo"))
        assert (str(first), str(last)) == ("2026-10-01", "2026-10-31")
        assert start == datetime(2026, 10, 1, 3, tzinfo=UTC)
        assert end == datetime(2026, 11, 1, 3, tzinfo=UTC)

    def test_weeks_start_monday_local(self) -> None:
        tz = ZoneInfo("Europe/Berlin")
        ts = datetime(2026, 10, 28, 23, 30, tzinfo=UTC)  # Thursday 00:30 in Berlin
        assert bucket_start(ts, "week", tz) == datetime(2026, 10, 26, tzinfo=tz)
        assert bucket_start(ts, "day", tz) == datetime(2026, 10, 29, tzinfo=tz)

    def test_dst_day_is_23_hours(self) -> None:
        tz = ZoneInfo("Europe/Berlin")
        day = datetime(2026, 3, 29, tzinfo=tz)
        assert (next_bucket(day.astimezone(UTC), "day", tz) - day).total_seconds() == 23 * 3600

    def test_hourly_rollups_only_for_whole_hour_zones(self) -> None:
        start = datetime(2026, 10, 1, 3, tzinfo=UTC)
        end = datetime(2026, 11, 1, 3, tzinfo=UTC)
        assert hourly_rollups_fit(start, end, "day", ZoneInfo("America/Sao_Paulo"))
        assert not hourly_rollups_fit(start, end, "day", ZoneInfo("Asia/Kolkata"))
        assert not hourly_rollups_fit(start, end, "15min", ZoneInfo("UTC"))

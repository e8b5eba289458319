"""The console's own pure parts: locale negotiation and formatting, the SVG chart, and how a
service level is read from KPI buckets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from web.charts import Day, trend_chart
from web.formatting import Formatter, negotiate_locale
from web.levels import daily_series, fraction, record_missed


class TestFormatting:
    def test_the_first_known_language_by_quality_wins(self) -> None:
        assert str(negotiate_locale("de;q=0.5, pt-BR, en;q=0.8")) == "pt_BR"
        assert str(negotiate_locale("xx-YY, *")) == "en"
        assert str(negotiate_locale(None)) == "en"

    def test_money_numbers_and_dates_follow_the_locale(self) -> None:
        en, br = Formatter(negotiate_locale("en")), Formatter(negotiate_locale("pt-BR"))
        assert en.money("176695.04", "BRL") == "R$176,695.04"
        assert br.money("176695.04", "BRL").replace("\xa0", " ") == "R$ 176.695,04"
        assert en.money("18000", "JPY") == "¥18,000"
        assert en.percent("0.065045") == "6.50%" and br.percent("0.065045") == "6,50%"
        assert en.date("2026-10-03") == "Oct 3, 2026"
        assert en.month("2026-10") == "October 2026"
        assert en.money(None, "EUR") == "—"

    def test_times_are_shown_in_the_contracts_zone(self) -> None:
        en = Formatter(negotiate_locale("en"))
        assert en.time("2026-09-03T11:00:19Z", "America/Sao_Paulo") == "8:00\u202fAM"


def _days(values: list[str | None]) -> list[Day]:
    out, num, den = [], Decimal(0), 0
    for index, value in enumerate(values):
        if value is not None:
            num, den = num + Decimal(value), den + 1
        out.append(Day(date(2026, 9, index + 1), Decimal(value) if value else None,
                       num / den if den else None))  # fmt: skip
    return out


class TestTrendChart:
    def test_an_accessible_chart_with_target_axes_and_missed_days(self) -> None:
        svg = str(
            trend_chart(
                _days(["0.85", "0.70", None, "0.90"]),
                target=Decimal("0.80"),
                direction="at_least",
                unit="ratio",
                title="Voice <service level>",
                fmt=Formatter(negotiate_locale("en")),
            )
        )
        assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby" in svg
        assert "<title" in svg and "Voice &lt;service level&gt;" in svg
        assert "Target: at least 80.00%" in svg
        assert "1 of 3 days with contacts missed the target: 2 Sep" in svg
        assert 'class="target"' in svg and 'class="to-date"' in svg
        assert svg.count('class="dot missed"') == 1 and svg.count('class="dot"') == 2
        assert "Day of September 2026" in svg and "%</text>" in svg

    def test_seconds_read_as_seconds(self) -> None:
        svg = str(
            trend_chart(
                _days(["12", "45"]),
                target=Decimal("30"),
                direction="at_most",
                unit="seconds",
                title="ASA",
                fmt=Formatter(negotiate_locale("en")),
            )
        )
        assert "Target: at most 30.0 s" in svg and "1 of 2 days" in svg


BUCKET = {
    "start": "2026-09-01T00:00:00-03:00",
    "metrics": {"abandonment_rate": {"value": "0.18", "numerator": 27, "denominator": 150}},
    "service_level": [
        {"numerator": 119, "denominator": 150, "threshold_seconds": 20,
         "variant": "answered_over_offered"},
        {"numerator": 119, "denominator": 123, "threshold_seconds": 20,
         "variant": "answered_over_answered"},
    ],
}  # fmt: skip


class TestLevels:
    def test_the_kpi_that_measures_each_level(self) -> None:
        voice = {"metric": "service_level", "threshold_seconds": 20,
                 "variant": "answered_over_answered"}  # fmt: skip
        assert fraction(BUCKET, voice) == (119, 123)
        assert fraction(BUCKET, {"metric": "abandonment_rate"}) == (27, 150)
        assert fraction(BUCKET, {"metric": "csat", "csat_mode": "top2"}) is None

    def test_month_to_date_sums_numerators_and_denominators(self) -> None:
        second = {**BUCKET, "start": "2026-09-02T00:00:00-03:00",
                  "metrics": {"abandonment_rate": {"numerator": 3, "denominator": 50}}}  # fmt: skip
        days = daily_series([BUCKET, second], {"metric": "abandonment_rate"})
        assert [d.day.day for d in days] == [1, 2]
        assert days[1].value == Decimal("0.06") and days[1].to_date == Decimal(30) / 200

    def test_which_records_count_against_a_level(self) -> None:
        level = {"metric": "service_level", "threshold_seconds": 20, "target": "0.8"}
        assert record_missed({"outcome": "answered", "wait_seconds": 25}, level)
        assert not record_missed({"outcome": "answered", "wait_seconds": 5}, level)
        assert record_missed({"outcome": "abandoned", "wait_seconds": 5}, level)

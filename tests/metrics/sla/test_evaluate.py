"""SLA evaluation as pure functions of the service-terms JSON shape and summed slices."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from metrics.kpis.figures import Sums
from metrics.sla.evaluate import Slice, evaluate, in_business_hours, version_at, windows

TZ = ZoneInfo("America/Sao_Paulo")
HOURS = {"mon": [["08:00", "18:00"]], "sat": [["09:00", "13:00"]]}


def level(**extra: object) -> dict:
    return {
        "key": "sl",
        "metric": "service_level",
        "threshold_seconds": 20,
        "strict": False,
        "target": "0.80",
        "direction": "at_least",
        "window": "month",
        "channels": [],
        "queues": [],
        "business_hours_only": False,
        "short_abandon_seconds": 0,
        "variant": "answered_over_offered",
        "include_flow_outs": False,
        "critical": True,
        "pool_share": "0.25",
        **extra,
    }


def piece(ts: datetime, answered: int, within: int, queue: str = "q") -> Slice:
    return Slice(
        ts, queue, "voice", Sums(answered=answered, answered_le={20: within}, abandoned_le={20: 0})
    )


class TestWindows:
    def test_weeks_cut_at_period_edges(self) -> None:
        weeks = windows("week", date(2026, 10, 1), date(2026, 10, 31))
        assert weeks[0] == (date(2026, 10, 1), date(2026, 10, 4))  # Thu..Sun
        assert weeks[-1] == (date(2026, 10, 26), date(2026, 10, 31))
        assert len(windows("day", date(2026, 2, 1), date(2026, 2, 28))) == 28


class TestBusinessHours:
    def test_local_hours_and_holidays(self) -> None:
        monday_9 = datetime(2026, 10, 5, 9, tzinfo=TZ)
        assert in_business_hours(monday_9, HOURS, set())
        assert not in_business_hours(monday_9, HOURS, {date(2026, 10, 5)})
        assert not in_business_hours(datetime(2026, 10, 5, 18, tzinfo=TZ), HOURS, set())
        assert not in_business_hours(datetime(2026, 10, 6, 9, tzinfo=TZ), HOURS, set())


class TestEvaluate:
    def version(self, *levels: dict) -> dict:
        return {"version": 3, "service_levels": list(levels), "hours": HOURS, "holidays": []}

    def test_daily_windows_count_misses(self) -> None:
        slices = [
            piece(datetime(2026, 10, 5, 12, tzinfo=UTC), 10, 9),  # met
            piece(datetime(2026, 10, 6, 12, tzinfo=UTC), 10, 5),  # missed
        ]
        (result,) = evaluate(
            self.version(level(window="day")),
            slices=slices,
            tz=TZ,
            first=date(2026, 10, 1),
            last=date(2026, 10, 31),
        )
        assert result["misses"] == 1 and result["status"] == "missed"
        assert (result["numerator"], result["denominator"]) == (14, 20)
        statuses = {w["start"]: w["status"] for w in result["windows"]}
        assert statuses["2026-10-05"] == "met" and statuses["2026-10-01"] == "no_data"

    def test_business_hours_use_contract_time(self) -> None:
        # 10:30 UTC on Monday is 07:30 in Sao Paulo: outside; 11:00 UTC is 08:00: inside.
        slices = [
            piece(datetime(2026, 10, 5, 10, 30, tzinfo=UTC), 10, 0),
            piece(datetime(2026, 10, 5, 11, 0, tzinfo=UTC), 10, 10),
        ]
        (result,) = evaluate(
            self.version(level(business_hours_only=True)),
            slices=slices,
            tz=TZ,
            first=date(2026, 10, 1),
            last=date(2026, 10, 31),
        )
        assert (result["measured"], result["status"], result["margin"]) == (
            "1.000000",
            "met",
            "0.200000",
        )

    def test_queue_filter_and_at_most(self) -> None:
        asa = level(metric="asa", target="10", direction="at_most", queues=["vip"])
        slices = [
            Slice(
                datetime(2026, 10, 5, 12, tzinfo=UTC),
                "vip",
                "voice",
                Sums(answered=2, wait_answered=30),
            ),
            Slice(
                datetime(2026, 10, 5, 12, tzinfo=UTC),
                "other",
                "voice",
                Sums(answered=2, wait_answered=0),
            ),
        ]
        (result,) = evaluate(
            self.version(asa),
            slices=slices,
            tz=TZ,
            first=date(2026, 10, 1),
            last=date(2026, 10, 31),
        )
        assert (result["measured"], result["status"], result["margin"]) == (
            "15.000000",
            "missed",
            "-5.000000",
        )

    def test_version_in_effect(self) -> None:
        terms = {
            "versions": [
                {"version": 1, "effective_from": "2026-01-01", "effective_to": "2026-09-30"},
                {"version": 2, "effective_from": "2026-10-01", "effective_to": None},
            ]
        }
        assert version_at(terms, date(2026, 10, 1))["version"] == 2
        assert version_at(terms, date(2026, 9, 30))["version"] == 1
        assert version_at(terms, date(2025, 1, 1)) is None

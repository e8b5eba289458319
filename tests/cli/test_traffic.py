from datetime import date

from contrato.demo.traffic import (
    WEEKDAYS,
    ContractTraffic,
    QueueProfile,
    agent_activity,
    contact_records,
)

HOURS = {day: [("08:00", "20:00")] for day in WEEKDAYS[:5]}
HOLIDAY = date(2026, 10, 12)
BAD_DAY = date(2026, 10, 20)
TRAFFIC = ContractTraffic(
    contract_id="c-1",
    time_zone="America/Sao_Paulo",
    hours=HOURS,
    holidays=frozenset({HOLIDAY}),
    queues=(QueueProfile("acme-support", weekday_volume=500),),
    bad_days={BAD_DAY: 0.55},
)


def month(seed: int = 7) -> list[dict]:
    return list(contact_records(TRAFFIC, date(2026, 10, 1), 31, seed))


def local_day(record: dict) -> date:
    from zoneinfo import ZoneInfo

    return record["enqueued_at"].astimezone(ZoneInfo(TRAFFIC.time_zone)).date()


def test_same_seed_same_month_other_seed_other_month() -> None:
    assert month(7) == month(7)
    assert month(7) != month(8)


def test_closed_on_holidays_and_weekends() -> None:
    days = {local_day(r) for r in month()}
    assert HOLIDAY not in days
    assert all(d.weekday() < 5 for d in days)


def test_understaffed_day_has_more_and_longer_abandons() -> None:
    records = month()

    def abandon_rate(day: date) -> float:
        day_records = [r for r in records if local_day(r) == day]
        return sum(r["outcome"] == "abandoned" for r in day_records) / len(day_records)

    normal = [abandon_rate(d) for d in {local_day(r) for r in records} if d != BAD_DAY]
    assert abandon_rate(BAD_DAY) > 2 * (sum(normal) / len(normal))


def test_records_are_consistent() -> None:
    for record in month():
        assert record["wait_seconds"] >= 0
        if record["outcome"] == "answered":
            handle = record["talk_seconds"] + record["hold_seconds"] + record["acw_seconds"]
            assert handle >= 20 and record["agent"]
            assert record["answered_at"] >= record["enqueued_at"]
        else:
            assert "agent" not in record
    external_ids = [r["external_id"] for r in month()]
    assert len(set(external_ids)) == len(external_ids)


def test_activity_accounts_for_every_handled_second() -> None:
    records = month()
    activity = agent_activity(records, "c-1")
    on_contact = sum(
        (a["ended_at"] - a["started_at"]).total_seconds()
        for a in activity
        if a["state"] == "on_contact"
    )
    handled = sum(
        r["talk_seconds"] + r["hold_seconds"] + r["acw_seconds"]
        for r in records
        if r["outcome"] == "answered"
    )
    assert on_contact <= handled
    assert on_contact > 0.95 * handled  # only hours busier than 3600 s are capped

"""Calendar arithmetic in a contract's time zone: buckets, periods, ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.types import FIRST_DAY, LAST_DAY


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def month_bounds(period: str, tz: ZoneInfo) -> tuple[date, date, datetime, datetime]:
    """``YYYY-MM`` -> (first day, last day, start instant, end instant exclusive)."""
    year, month = (int(p) for p in period.split("-"))
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (
        first,
        following - timedelta(days=1),
        local_midnight(first, tz),
        local_midnight(following, tz),
    )


def bucket_start(ts: datetime, granularity: str, tz: ZoneInfo) -> datetime:
    """The bucket an instant falls in, as PostgreSQL's date_trunc(unit, ts, tz) answers."""
    if granularity == "15min":
        epoch = int(ts.timestamp())
        return datetime.fromtimestamp(epoch - epoch % 900, UTC)
    local = ts.astimezone(tz)
    if granularity == "hour":
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    day = local.date()
    if granularity == "week":
        day -= timedelta(days=day.weekday())
    elif granularity == "month":
        day = day.replace(day=1)
    return local_midnight(day, tz)


def next_bucket(start: datetime, granularity: str, tz: ZoneInfo) -> datetime:
    if granularity == "15min":
        return start + timedelta(minutes=15)
    if granularity == "hour":
        return start + timedelta(hours=1)
    day = start.astimezone(tz).date()
    if granularity == "day":
        return local_midnight(day + timedelta(days=1), tz)
    if granularity == "week":
        return local_midnight(day + timedelta(days=7), tz)
    return local_midnight(date(day.year + (day.month == 12), day.month % 12 + 1, 1), tz)


def _in_calendar(day: date) -> date:
    """Days outside the shared calendar would overflow on the way to UTC (ValueError: 422)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"outside {FIRST_DAY} to {LAST_DAY}")
    return day


def parse_instant(text: str, tz: ZoneInfo) -> datetime:
    """A date (local midnight in ``tz``) or an ISO timestamp (with offset, or local)."""
    if len(text) == 10:
        return local_midnight(_in_calendar(date.fromisoformat(text)), tz)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    _in_calendar(value.date())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def aligned_to_interval(ts: datetime) -> bool:
    return ts.timestamp() % 900 == 0


def hourly_rollups_fit(start: datetime, end: datetime, granularity: str, tz: ZoneInfo) -> bool:
    """Whether hourly rollups answer exactly: hour-aligned range and buckets, and a time zone
    whose offset stays whole hours over the range (checked each day and at both ends)."""
    if granularity not in ("hour", "day", "week", "month", "total"):
        return False
    if start.timestamp() % 3600 or end.timestamp() % 3600:
        return False
    if granularity == "total":
        return True
    probe = start
    while True:
        offset = probe.astimezone(tz).utcoffset()
        if offset is None or offset.total_seconds() % 3600:
            return False
        if probe >= end:
            return True
        probe = min(end, probe + timedelta(hours=12))

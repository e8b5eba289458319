"""A service level's figures, read from the KPI API's buckets: which KPI measures the level,
its daily values, the month-to-date value through each day, and which days and hours missed.
Pure functions over the API's answers, so the pages stay thin."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from web.charts import Day

# The KPI under ``metrics`` of a bucket that measures each service-level metric.
KPI_OF = {
    "asa": "asa",
    "aht": "aht",
    "abandonment_rate": "abandonment_rate",
    "fcr": "fcr",
    "nps": "nps",
    "transfer_rate": "transfer_rate",
    "occupancy": "occupancy",
    "quality_score": "quality_score",
}


def kpi_query(level: dict[str, Any]) -> dict[str, Any]:
    """The KPI parameters that measure the level as its report does (channels, queues,
    answer threshold and the rest of its definition)."""
    query: dict[str, Any] = {
        "channel": level.get("channels") or None,
        "queue": level.get("queues") or None,
    }
    if level.get("threshold_seconds") is not None:
        query["threshold"] = level["threshold_seconds"]
        query["strict"] = str(bool(level.get("strict"))).lower()
    if level.get("short_abandon_seconds") is not None:
        query["short_abandon_seconds"] = level["short_abandon_seconds"]
    if level.get("include_flow_outs") is not None:
        query["include_flow_outs"] = str(bool(level["include_flow_outs"])).lower()
    return query


def fraction(bucket: dict[str, Any], level: dict[str, Any]) -> tuple[int, int] | None:
    """(numerator, denominator) of the level's metric in one bucket."""
    metric = level.get("metric")
    if metric == "service_level":
        for entry in bucket.get("service_level") or []:
            if entry.get("threshold_seconds") == level.get("threshold_seconds") and (
                not level.get("variant") or entry.get("variant") == level.get("variant")
            ):
                return int(entry["numerator"]), int(entry["denominator"])
        return None
    if metric == "csat":
        name = "csat_mean" if level.get("csat_mode") == "mean" else "csat_top2"
    else:
        name = KPI_OF.get(str(metric), str(metric))
    entry = (bucket.get("metrics") or {}).get(name)
    if not entry:
        return None
    return int(entry["numerator"]), int(entry["denominator"])


def value_of(numerator: int, denominator: int, metric: str | None) -> Decimal | None:
    if denominator == 0:
        return None
    value = Decimal(numerator) / Decimal(denominator)
    return value * 100 if metric == "nps" else value


def bucket_day(bucket: dict[str, Any]) -> date:
    return datetime.fromisoformat(bucket["start"]).date()


def daily_series(buckets: list[dict[str, Any]], level: dict[str, Any]) -> list[Day]:
    """Each day's value and the month-to-date value through it."""
    days: list[Day] = []
    total_num = total_den = 0
    for bucket in buckets:
        counted = fraction(bucket, level)
        num, den = counted if counted else (0, 0)
        total_num += num
        total_den += den
        days.append(
            Day(
                bucket_day(bucket),
                value_of(num, den, level.get("metric")),
                value_of(total_num, total_den, level.get("metric")),
            )
        )
    return days


def missed(value: Decimal | None, target: Any, direction: str | None) -> bool:
    if value is None:
        return False
    goal = Decimal(str(target))
    return value < goal if direction == "at_least" else value > goal


def record_missed(record: dict[str, Any], level: dict[str, Any]) -> bool:
    """Whether one contact record counts against the level (as far as one record can)."""
    metric = level.get("metric")
    wait = record.get("wait_seconds") or 0
    if metric == "service_level":
        threshold = level.get("threshold_seconds") or 0
        return record.get("outcome") != "answered" or wait > threshold
    if metric == "abandonment_rate":
        return record.get("outcome") == "abandoned"
    if metric == "asa":
        return record.get("outcome") == "answered" and wait > Decimal(str(level["target"]))
    if metric == "csat":
        score = record.get("csat")
        return score is not None and score <= (3 if level.get("csat_mode") != "mean" else 2)
    if metric == "fcr":
        return record.get("resolved") is False
    if metric == "transfer_rate":
        return bool(record.get("transferred"))
    if metric == "aht":
        handle = sum(record.get(k) or 0 for k in ("talk_seconds", "hold_seconds", "acw_seconds"))
        return handle > Decimal(str(level["target"]))
    return False


def matches_level(record: dict[str, Any], level: dict[str, Any]) -> bool:
    channels, queues = level.get("channels") or [], level.get("queues") or []
    return (not channels or record.get("channel") in channels) and (
        not queues or record.get("queue") in queues
    )

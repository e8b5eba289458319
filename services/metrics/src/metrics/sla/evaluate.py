"""SLA evaluation as pure functions of (a contract version's service terms, summed counts).

Input slices are the sums of the contacts enqueued in one short slice of time (a 15-minute
rollup interval, or a minute when the contract's hours are not on quarter hours) for one queue
and channel. Each service level picks the slices its filters and business hours admit, sums them
per window (month, ISO week or day, cut at the period's edges) and compares with its target.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any
from zoneinfo import ZoneInfo

from metrics.activity.occupancy import Interval, SpanFilter, occupancy_seconds
from metrics.kpis import figures as f
from metrics.kpis.figures import Figure, Sums, Variant

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Slice:
    start: datetime  # UTC
    queue: str
    channel: str
    sums: Sums


@lru_cache(maxsize=1024)
def parse_clock(text: str) -> int:
    """ "HH:MM" -> minutes after midnight ("24:00" is 1440)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def hours_on_quarter_hours(hours: Mapping[str, Sequence[Sequence[str]]]) -> bool:
    return all(
        parse_clock(edge) % 15 == 0 for spans in hours.values() for span in spans for edge in span
    )


def in_business_hours(
    local: datetime, hours: Mapping[str, Sequence[Sequence[str]]], holidays: set[date]
) -> bool:
    """Whether a contact enqueued at ``local`` (contract time) is inside the contract's hours."""
    if local.date() in holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(
        parse_clock(opens) <= minute < parse_clock(closes)
        for opens, closes in hours.get(DAY_KEYS[local.weekday()], [])
    )


def business_intervals(
    first: date,
    last: date,
    tz: ZoneInfo,
    hours: Mapping[str, Sequence[Sequence[str]]],
    holidays: set[date],
) -> list[Interval]:
    """The contract's open hours from ``first`` to ``last`` (local dates, holidays excluded) as
    sorted UTC intervals: the time ``in_business_hours`` admits."""

    def instant(day: date, clock: str) -> datetime:
        minutes = parse_clock(clock)
        day += timedelta(days=minutes // 1440)
        local = datetime.combine(day, time(minutes % 1440 // 60, minutes % 60), tzinfo=tz)
        return local.astimezone(UTC)

    spans = []
    day = first
    while day <= last:
        if day not in holidays:
            for opens, closes in hours.get(DAY_KEYS[day.weekday()], []):
                spans.append((instant(day, opens), instant(day, closes)))
        day += timedelta(days=1)
    merged: list[Interval] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def occupancy_by_day(
    sl: Mapping[str, Any],
    activity: Iterable[Mapping[str, Any]],
    *,
    tz: ZoneInfo,
    first: date,
    last: date,
    hours: Mapping[str, Sequence[Sequence[str]]],
    holidays: set[date],
) -> dict[date, tuple[int, int]]:
    """Seconds of (handling, available) per local day for an occupancy service level: its
    queue and channel filters admit only spans naming a matching queue (channel), and with
    ``business_hours_only`` only the time inside the contract's hours counts."""
    within = (
        business_intervals(first, last, tz, hours, holidays)
        if sl.get("business_hours_only")
        else None
    )
    split = occupancy_seconds(
        activity,
        "day",
        tz,
        span_filter=SpanFilter.of(sl.get("queues") or (), sl.get("channels") or ()),
        within=within,
    )
    return {
        bucket.astimezone(tz).date(): seconds
        for (bucket, _), seconds in split.items()
        if bucket is not None  # day buckets always have a start
    }


def windows(kind: str, first: date, last: date) -> list[tuple[date, date]]:
    """Windows of a period, inclusive dates: the month, ISO weeks cut at the period's edges,
    or days."""
    if kind == "month":
        return [(first, last)]
    out = []
    day = first
    while day <= last:
        week_end = day + timedelta(days=6 - day.weekday())
        end = day if kind == "day" else min(last, week_end)
        out.append((day, end))
        day = end + timedelta(days=1)
    return out


def thresholds_of(levels: Iterable[Mapping[str, Any]]) -> set[int]:
    """The inclusive wait bounds every service level of a version needs."""
    pairs = []
    shorts = []
    for sl in levels:
        if sl["metric"] == "service_level" and sl.get("threshold_seconds") is not None:
            pairs.append((int(sl["threshold_seconds"]), bool(sl.get("strict"))))
        shorts.append(int(sl.get("short_abandon_seconds") or 0))
    return f.thresholds_needed(pairs, shorts)


def quality_by_day(
    sl: Mapping[str, Any], evaluations: Iterable[Mapping[str, Any]], tz: ZoneInfo
) -> dict[date, tuple[Decimal, int]]:
    """(Sum of scores, number of evaluations) per local day of ``evaluated_at``, for a
    quality_score service level: its queue and channel filters admit only evaluations naming
    a matching queue (channel). Business hours do not apply: an evaluation is made when the
    QA team makes it, not while the contract's lines are open."""
    queues, channels = set(sl.get("queues") or ()), set(sl.get("channels") or ())
    days: dict[date, tuple[Decimal, int]] = {}
    for row in evaluations:
        if (queues and row["queue"] not in queues) or (channels and row["channel"] not in channels):
            continue
        day = row["evaluated_at"].astimezone(tz).date()
        total, count = days.get(day, (Decimal(0), 0))
        days[day] = (total + row["score"], count + 1)
    return days


def measure(
    sl: Mapping[str, Any],
    s: Sums,
    occupancy: tuple[int, int] | None = None,
    quality: tuple[Decimal, int] | None = None,
) -> Figure:
    """The service level's metric over the sums ``s`` (and the occupancy seconds or quality
    scores of the same days, for those metrics)."""
    metric = sl["metric"]
    short = int(sl.get("short_abandon_seconds") or 0)
    if metric == "service_level":
        return f.service_level(
            s,
            int(sl["threshold_seconds"]),
            strict=bool(sl.get("strict")),
            variant=Variant(sl.get("variant") or Variant.answered_over_offered),
            short_abandon_seconds=short,
            include_flow_outs=bool(sl.get("include_flow_outs")),
        )
    if metric == "asa":
        return f.asa(s)
    if metric == "aht":
        return f.aht(s)
    if metric == "abandonment_rate":
        return f.abandonment_rate(s, short)
    if metric == "fcr":
        return f.fcr(s)
    if metric == "csat":
        return f.csat_top2(s) if sl.get("csat_mode") == "top2" else f.csat_mean(s)
    if metric == "nps":
        return f.nps(s)
    if metric == "transfer_rate":
        return f.transfer_rate(s)
    if metric == "occupancy":
        handling, idle = occupancy or (0, 0)
        return f.occupancy(handling, idle)
    if metric == "quality_score":
        score_sum, evaluations = quality or (Decimal(0), 0)
        return f.quality_score(score_sum, evaluations)
    raise ValueError(f"unknown metric {metric!r}")


def counter(sl: Mapping[str, Any]) -> Callable[[Sums], tuple[int, int]]:
    """(numerator, denominator) of the service level's metric over sums: those of ``measure``
    without the ratio (which is then one of summed counts), for the metrics of contacts (not
    occupancy, agent activity, nor quality_score, a sum of QA scores). Resolved once per
    level, for the loops that count slice by slice."""
    metric = sl["metric"]
    short = int(sl.get("short_abandon_seconds") or 0)
    if metric == "service_level":
        return partial(
            f.service_level_counts,
            threshold_seconds=int(sl["threshold_seconds"]),
            strict=bool(sl.get("strict")),
            variant=Variant(sl.get("variant") or Variant.answered_over_offered),
            short_abandon_seconds=short,
            include_flow_outs=bool(sl.get("include_flow_outs")),
        )
    if metric == "abandonment_rate":
        return partial(f.abandonment_rate_counts, short_abandon_seconds=short)
    if metric == "nps":
        return f.nps_counts
    simple: dict[str, Callable[[Sums], tuple[int, int]]] = {
        "asa": lambda s: (s.wait_answered, s.answered),
        "aht": lambda s: (s.handle_seconds, s.answered),
        "fcr": lambda s: (s.fcr_resolved, s.fcr_known),
        "transfer_rate": lambda s: (s.transferred, s.answered),
        "csat": (lambda s: (s.csat_top2, s.csat_responses))
        if sl.get("csat_mode") == "top2"
        else (lambda s: (s.csat_sum, s.csat_responses)),
    }
    if metric in simple:
        return simple[metric]
    raise ValueError(f"no counts of contacts for metric {metric!r}")


def judge(fig: Figure, target: Decimal, direction: str) -> tuple[str, str | None]:
    """(status, margin): margin is positive when better than the target."""
    if fig.value is None:
        return "no_data", None
    margin = fig.value - target if direction == "at_least" else target - fig.value
    return ("met" if margin >= 0 else "missed"), str(margin)


def evaluate_level(
    sl: Mapping[str, Any],
    *,
    slices: Sequence[Slice],
    tz: ZoneInfo,
    first: date,
    last: date,
    hours: Mapping[str, Sequence[Sequence[str]]],
    holidays: set[date],
    activity: Sequence[Mapping[str, Any]] = (),
    evaluations: Sequence[Mapping[str, Any]] = (),
    clock: dict[datetime, tuple[date, bool]] | None = None,
) -> dict[str, Any]:
    """``clock``: (local day, inside business hours) per slice start, which the levels of a
    version share (the same hours and time zone), filled as they go."""
    queues, channels = set(sl.get("queues") or ()), set(sl.get("channels") or ())
    business_only = bool(sl.get("business_hours_only"))
    known = {} if clock is None else clock
    by_day: dict[date, Sums] = {}
    for piece in slices:
        if queues and piece.queue not in queues:
            continue
        if channels and piece.channel not in channels:
            continue
        at = known.get(piece.start)
        if at is None:
            local = piece.start.astimezone(tz)
            at = known[piece.start] = (local.date(), in_business_hours(local, hours, holidays))
        day, inside = at
        if business_only and not inside:
            continue
        held = by_day.get(day)
        by_day[day] = held.add(piece.sums) if held is not None else Sums().add(piece.sums)
    target = Decimal(str(sl["target"]))
    direction = sl.get("direction") or "at_least"
    occupancy = (
        occupancy_by_day(
            sl, activity, tz=tz, first=first, last=last, hours=hours, holidays=holidays
        )
        if sl["metric"] == "occupancy"
        else {}
    )
    quality = quality_by_day(sl, evaluations, tz) if sl["metric"] == "quality_score" else {}

    def window_figure(start: date, end: date) -> Figure:
        total = Sums()
        handling = idle = evaluated = 0
        score_sum = Decimal(0)
        day = start
        while day <= end:
            if day in by_day:
                total.add(by_day[day])
            h, i = occupancy.get(day, (0, 0))
            handling, idle = handling + h, idle + i
            scores, count = quality.get(day, (Decimal(0), 0))
            score_sum, evaluated = score_sum + scores, evaluated + count
            day += timedelta(days=1)
        return measure(sl, total, (handling, idle), (score_sum, evaluated))

    results = []
    misses = 0
    statuses = []
    for start, end in windows(sl.get("window") or "month", first, last):
        fig = window_figure(start, end)
        status, margin = judge(fig, target, direction)
        statuses.append(status)
        misses += status == "missed"
        results.append(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "measured": None if fig.value is None else str(fig.value),
                "numerator": fig.numerator_json,
                "denominator": fig.denominator,
                "status": status,
                "margin": margin,
            }
        )
    overall = window_figure(first, last)
    _, margin = judge(overall, target, direction)
    status = "missed" if misses else "met"
    if all(s == "no_data" for s in statuses):
        status = "no_data"
    return {
        "key": sl["key"],
        "metric": sl["metric"],
        "threshold_seconds": sl.get("threshold_seconds"),
        "variant": sl.get("variant") if sl["metric"] == "service_level" else None,
        "window": sl.get("window") or "month",
        "business_hours_only": business_only,
        "target": str(target),
        "direction": direction,
        "measured": None if overall.value is None else str(overall.value),
        "numerator": overall.numerator_json,
        "denominator": overall.denominator,
        "status": status,
        "margin": margin,
        "pool_share": sl.get("pool_share"),
        "critical": bool(sl.get("critical")),
        "bonus_target": sl.get("bonus_target"),
        "windows": results,
        "misses": misses,
    }


def version_at(terms: Mapping[str, Any], day: date) -> Mapping[str, Any] | None:
    """The contract version in effect on ``day``."""
    for version in terms.get("versions", []):
        starts = date.fromisoformat(version["effective_from"])
        ends = version.get("effective_to")
        if starts <= day and (ends is None or day <= date.fromisoformat(ends)):
            return version
    return None


def evaluate(
    version: Mapping[str, Any],
    *,
    slices: Sequence[Slice],
    tz: ZoneInfo,
    first: date,
    last: date,
    activity: Sequence[Mapping[str, Any]] = (),
    evaluations: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Every service level of a contract version over the period [first, last] (local dates);
    ``activity``: the agent activity spans of the period, for occupancy service levels;
    ``evaluations``: the QA evaluations made in the period, for quality_score ones."""
    hours = version.get("hours") or {d: [["00:00", "24:00"]] for d in DAY_KEYS}
    holidays = {date.fromisoformat(h) for h in version.get("holidays") or ()}
    clock: dict[datetime, tuple[date, bool]] = {}
    return [
        evaluate_level(
            sl,
            slices=slices,
            tz=tz,
            first=first,
            last=last,
            hours=hours,
            holidays=holidays,
            activity=activity,
            evaluations=evaluations,
            clock=clock,
        )
        for sl in version.get("service_levels") or ()
    ]

"""Occupancy and productive agent time from agent activity spans (pure functions).

Time is counted per agent, each agent-second once: handling (on contact or after-contact work)
wins over available, so overlapping spans — a platform reporting an agent's state once per queue
it is logged into — never count an agent twice, and an agent handling a contact is not
available at the same time to another queue. Other states (break, training, ...) count nowhere.

A span may name its queue and channel. A figure filtered (or grouped) by queue or channel counts
only the spans that name a matching queue (channel): a span that does not name the dimension
cannot be attributed to any of its values and is left out. Handling spans of the agent in any
queue still make the agent busy, so they still take time away from availability elsewhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from metrics.activity.models import HANDLING_STATES, ActivityState
from metrics.timeutil import bucket_start, next_bucket

Interval = tuple[datetime, datetime]
ONE_SECOND = timedelta(seconds=1)
HALF_SECOND = timedelta(milliseconds=500)


@dataclass(frozen=True)
class SpanFilter:
    """The queues and channels a figure is about (empty = any, spans without them included)."""

    queues: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()

    @classmethod
    def of(cls, queues: Iterable[str] = (), channels: Iterable[str] = ()) -> SpanFilter:
        return cls(frozenset(queues), frozenset(channels))

    def admits(self, queue: str | None, channel: str | None) -> bool:
        return (not self.queues or queue in self.queues) and (
            not self.channels or channel in self.channels
        )


ANY_SPAN = SpanFilter()


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same time."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Sequence[Interval], taken: Sequence[Interval]) -> list[Interval]:
    """``intervals`` minus ``taken`` (both sorted and disjoint)."""
    out: list[Interval] = []
    k = 0
    for start, end in intervals:
        while k < len(taken) and taken[k][1] <= start:
            k += 1
        j = k
        while start < end and j < len(taken) and taken[j][0] < end:
            if taken[j][0] > start:
                out.append((start, taken[j][0]))
            start = max(start, taken[j][1])
            j += 1
        if start < end:
            out.append((start, end))
    return out


def intersect(intervals: Sequence[Interval], window: Sequence[Interval]) -> list[Interval]:
    """The parts of ``intervals`` inside ``window`` (both sorted and disjoint)."""
    out: list[Interval] = []
    i = j = 0
    while i < len(intervals) and j < len(window):
        start = max(intervals[i][0], window[j][0])
        end = min(intervals[i][1], window[j][1])
        if start < end:
            out.append((start, end))
        if intervals[i][1] < window[j][1]:
            i += 1
        else:
            j += 1
    return out


def _group_of(row: Mapping[str, Any], group_by: str | None) -> tuple[bool, str | None]:
    """(counts in some group?, the group) of a span."""
    if group_by in ("queue", "channel"):
        value = row[group_by]
        return value is not None, value
    if group_by == "agent":
        return True, row["agent"]
    return True, None


def occupancy_seconds(
    rows: Iterable[Mapping[str, Any]],
    granularity: str,
    tz: ZoneInfo,
    *,
    span_filter: SpanFilter = ANY_SPAN,
    group_by: str | None = None,
    within: Sequence[Interval] | None = None,
) -> dict[tuple[datetime | None, str | None], tuple[int, int]]:
    """Whole seconds of (handling, available) per bucket (``None`` for ``total``) and group
    (queue, channel, agent or ``None``), spans cut at bucket edges and, when given, kept
    ``within`` the sorted, disjoint intervals (e.g. business hours).

    ``rows`` have agent, state, queue, channel, started_at and ended_at."""
    by_agent: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["state"] in HANDLING_STATES or row["state"] == ActivityState.available:
            by_agent[row["agent"]].append(row)
    totals: dict[tuple[datetime | None, str | None], list[timedelta]] = defaultdict(
        lambda: [timedelta(0), timedelta(0)]
    )
    for spans in by_agent.values():
        busy = union(
            (r["started_at"], r["ended_at"]) for r in spans if r["state"] in HANDLING_STATES
        )
        groups: dict[str | None, tuple[list[Interval], list[Interval]]] = defaultdict(
            lambda: ([], [])
        )
        for r in spans:
            if not span_filter.admits(r["queue"], r["channel"]):
                continue
            counted, group = _group_of(r, group_by)
            if counted:
                slot = 0 if r["state"] in HANDLING_STATES else 1
                groups[group][slot].append((r["started_at"], r["ended_at"]))
        for group, (handling, available) in groups.items():
            pieces = (union(handling), subtract(union(available), busy))
            for slot, intervals in enumerate(pieces):
                if within is not None:
                    intervals = intersect(intervals, within)
                for start, end in intervals:
                    _add_cut(totals, slot, start, end, group, granularity, tz)
    return {
        key: ((h + HALF_SECOND) // ONE_SECOND, (a + HALF_SECOND) // ONE_SECOND)
        for key, (h, a) in totals.items()
    }


def _add_cut(
    totals: dict[tuple[datetime | None, str | None], list[timedelta]],
    slot: int,
    start: datetime,
    end: datetime,
    group: str | None,
    granularity: str,
    tz: ZoneInfo,
) -> None:
    """Add [start, end) to the buckets it covers."""
    if granularity == "total":
        totals[(None, group)][slot] += end - start
        return
    while start < end:
        bucket = bucket_start(start, granularity, tz)
        stop = min(next_bucket(bucket, granularity, tz), end)
        totals[(bucket, group)][slot] += stop - start
        start = stop

"""What a batch changes in the rollups: per rollup row, the summed contribution of the records
added (+1 share each) and of those replaced or erased (-1), with both wait histograms, as rows
ready to COPY."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from metrics.rollups.models import HISTOGRAM_SIZE
from metrics.rollups.sums import RollupSums

QUARTER_HOUR = timedelta(minutes=15)

# RollupSums from a tuple of its values in field order, in C (``RollupSums._make`` without
# the Python-level call).
_sums_of: Callable[[tuple[int, ...]], RollupSums] = functools.partial(tuple.__new__, RollupSums)

# A rollup row's key: contract, queue, channel, direction and interval start.
RollupKey = tuple[uuid.UUID, str, str, str, datetime]


def interval_start(ts: datetime) -> datetime:
    """The 15-minute interval (UTC-aligned) a timestamp falls in."""
    seconds = int(ts.timestamp())
    return datetime.fromtimestamp(seconds - seconds % 900, UTC)


@dataclass
class RollupDelta:
    client_id: uuid.UUID | None
    sums: RollupSums
    answered_waits: dict[int, int] = field(default_factory=dict)
    abandoned_waits: dict[int, int] = field(default_factory=dict)

    @staticmethod
    def cumulative(waits: dict[int, int]) -> list[int]:
        """``out[k]`` = contacts that waited at most ``k`` seconds, up to the longest wait
        within the histogram: past it the count stays the same, so the array stops there
        (stored trimmed; readers take the last element for any longer wait, and an empty
        array is all zeros)."""
        counted = [w for w, count in waits.items() if count and w < HISTOGRAM_SIZE]
        if not counted:
            return []
        histogram = [0] * (max(counted) + 1)
        for wait in counted:
            histogram[wait] += waits[wait]
        return list(accumulate(histogram))

    @staticmethod
    def cumulative_text(waits: dict[int, int]) -> str:
        """The trimmed cumulative histogram as a PostgreSQL array literal (encoding integers
        as text is much cheaper than the driver's per-element binary encoding). A sparse
        month writes a new rollup row for nearly every record: trimming its two histograms
        to the longest wait (a few dozen integers, not 601) is most of what that costs."""
        return "{" + ",".join(map(str, RollupDelta.cumulative(waits))) + "}"

    def is_zero(self) -> bool:
        return (
            not any(self.sums)
            and not any(self.answered_waits.values())
            and not any(self.abandoned_waits.values())
        )


def rollup_deltas(added: Iterable[Any], removed: Iterable[Any]) -> dict[RollupKey, RollupDelta]:
    """What to add to each rollup row: +1 share of every added record, -1 of every removed
    (records have the ``sums.ROLLUP_FACTS`` attributes)."""
    groups: dict[RollupKey, list[tuple[int, Any]]] = {}
    # A batch comes mostly in time order: the previous record's interval usually holds the
    # next one too, and two comparisons are far cheaper than working the interval out.
    start = end = datetime.max.replace(tzinfo=UTC)
    for sign, records in ((1, added), (-1, removed)):
        for r in records:
            at = r.enqueued_at
            if not start <= at < end:
                start = interval_start(at)
                end = start + QUARTER_HOUR
            key = (r.contract_id, r.queue, r.channel, r.direction, start)
            members = groups.get(key)
            if members is None:
                groups[key] = [(sign, r)]
            else:
                members.append((sign, r))
    deltas: dict[RollupKey, RollupDelta] = {}
    for key, members in groups.items():
        delta = _group_delta(members)
        if not delta.is_zero():
            deltas[key] = delta
    return deltas


def _group_delta(members: list[tuple[int, Any]]) -> RollupDelta:
    """The summed contribution of one rollup row's records (the same as
    ``sums.contribution``, summed; a test checks it), counted in local variables: the
    per-record loop of ingestion."""
    contacts = answered = abandoned = flow_outs = 0
    wait_answered = wait_abandoned = handle_seconds = handle_units_6 = handle_units_60 = 0
    transferred = fcr_resolved = fcr_known = 0
    csat_responses = csat_sum = csat_top2 = nps_responses = nps_promoters = nps_detractors = 0
    answered_waits: dict[int, int] = {}
    abandoned_waits: dict[int, int] = {}
    client_id = None
    for sign, r in members:
        client_id = client_id or r.client_id
        outcome = r.outcome
        wait = r.wait_seconds
        contacts += sign
        if outcome == "answered":
            handle = r.talk_seconds + r.hold_seconds + r.acw_seconds
            answered += sign
            wait_answered += sign * wait
            handle_seconds += sign * handle
            handle_units_6 += sign * -(-handle // 6)
            handle_units_60 += sign * -(-handle // 60)
            answered_waits[wait] = answered_waits.get(wait, 0) + sign
        elif outcome == "abandoned":
            abandoned += sign
            wait_abandoned += sign * wait
            abandoned_waits[wait] = abandoned_waits.get(wait, 0) + sign
        else:
            flow_outs += sign
        if r.transferred:
            transferred += sign
        resolved = r.resolved
        if resolved is not None:
            fcr_known += sign
            if resolved:
                fcr_resolved += sign
        csat = r.csat
        if csat is not None:
            csat_responses += sign
            csat_sum += sign * csat
            if csat >= 4:
                csat_top2 += sign
        nps = r.nps
        if nps is not None:
            nps_responses += sign
            if nps >= 9:
                nps_promoters += sign
            elif nps <= 6:
                nps_detractors += sign
    # In field order (a sparse batch makes a row, and so a RollupSums, for nearly every record:
    # built in C, without the keyword call).
    sums = _sums_of(
        (
            contacts,
            answered,
            abandoned,
            flow_outs,
            wait_answered,
            wait_abandoned,
            handle_seconds,
            handle_units_6,
            handle_units_60,
            transferred,
            fcr_resolved,
            fcr_known,
            csat_responses,
            csat_sum,
            csat_top2,
            nps_responses,
            nps_promoters,
            nps_detractors,
        )
    )
    return RollupDelta(client_id, sums, answered_waits, abandoned_waits)


def by_hour(deltas: dict[RollupKey, RollupDelta]) -> dict[RollupKey, RollupDelta]:
    """The same deltas summed per UTC hour, for the hourly rollups."""
    hours: dict[RollupKey, RollupDelta] = {}
    for (contract_id, queue, channel, direction, start), delta in deltas.items():
        key = (contract_id, queue, channel, direction, start.replace(minute=0))
        held = hours.get(key)
        if held is None:  # the hour's first quarter (in a sparse batch, usually its only one)
            hours[key] = RollupDelta(
                delta.client_id,
                delta.sums,
                dict(delta.answered_waits),
                dict(delta.abandoned_waits),
            )
            continue
        held.client_id = held.client_id or delta.client_id
        held.sums = held.sums.plus(delta.sums)
        for mine, theirs in (
            (held.answered_waits, delta.answered_waits),
            (held.abandoned_waits, delta.abandoned_waits),
        ):
            for wait, count in theirs.items():
                mine[wait] = mine.get(wait, 0) + count
    return hours


@dataclass(frozen=True, slots=True)
class RollupChange:
    """What a batch adds to the 15-minute and the hourly rollups, as rows ready to COPY
    (``store.ROLLUP_COLUMNS``: key, client, sums, then both histograms as array text)."""

    quarter: list[tuple[Any, ...]]
    hour: list[tuple[Any, ...]]

    @staticmethod
    def of(added: Iterable[Any], removed: Iterable[Any]) -> RollupChange:
        deltas = rollup_deltas(added, removed)
        return RollupChange(_copy_rows(deltas), _copy_rows(by_hour(deltas)))

    def __bool__(self) -> bool:
        return bool(self.quarter)


def _copy_rows(deltas: dict[RollupKey, RollupDelta]) -> list[tuple[Any, ...]]:
    return [
        (
            *key,
            d.client_id,
            *d.sums,
            RollupDelta.cumulative_text(d.answered_waits),
            RollupDelta.cumulative_text(d.abandoned_waits),
        )
        for key, d in deltas.items()
    ]

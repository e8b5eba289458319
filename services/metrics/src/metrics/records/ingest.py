"""Pure parts of ingestion: per-row validation, the customer key, de-duplication inside a batch,
and the rollup contribution of a record (added when it arrives, subtracted when it is replaced
or erased)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from pydantic import ValidationError

from metrics.records.decode import FastContact
from metrics.records.models import HISTOGRAM_SIZE, Direction, Initiation, Outcome
from metrics.records.schemas import ContactRecordIn, Rejection
from shared.types import unstorable_json, unstorable_text

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)  # clocks of platforms drift
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_NON_DIGITS = re.compile(r"[^0-9]")

# Platforms send flat key/value attributes, sometimes a level or two of objects; a deeper
# nesting is refused per row (it would only be stored, and encoding thousands of levels
# exceeds the interpreter's recursion limit).
MAX_ATTRIBUTE_DEPTH = 16


# Text PostgreSQL cannot store (a NUL character, a lone surrogate: ``shared.types.Text``) is
# checked per row, so one such value rejects its record and the rest of the batch is stored.
TEXT_FIELDS = ("external_id", "queue", "channel", "agent", "customer")


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether a JSON value nests objects or arrays more than ``limit`` levels (iterative,
    so any depth is measured without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


@functools.lru_cache(maxsize=4)
def _keyed_hmac(secret: str) -> hmac.HMAC:
    """The HMAC state after the key (one per configured secret): copying it skips keying the
    hash again for each of a batch's ten thousand customers."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def customer_key(raw: str, secret: str) -> str:
    """HMAC-SHA256 of the normalized identifier: e-mails lower-cased, phone numbers reduced to
    digits (with a leading + kept), so the same person matches however the platform wrote it."""
    text = raw.strip()
    if "@" in text:
        normalized = text.lower()
    else:
        digits = _NON_DIGITS.sub("", text)
        normalized = ("+" if text.startswith("+") else "") + digits if digits else text.lower()
    keyed = _keyed_hmac(secret).copy()
    keyed.update(normalized.encode())
    return keyed.hexdigest()


QUARTER_HOUR = timedelta(minutes=15)


def interval_start(ts: datetime) -> datetime:
    """The 15-minute interval (UTC-aligned) a timestamp falls in."""
    seconds = int(ts.timestamp())
    return datetime.fromtimestamp(seconds - seconds % 900, UTC)


def whole_seconds(delta: timedelta) -> int:
    """Seconds, rounded half up (platforms give milliseconds; we keep whole seconds)."""
    return int((delta.total_seconds() * 1000 + 500) // 1000)


def _field_of(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc) or "record"


def rejections_of(index: int, exc: ValidationError) -> list[Rejection]:
    return [
        Rejection(index=index, field=_field_of(e["loc"]), message=e["msg"]) for e in exc.errors()
    ]


@dataclass(slots=True)
class NormalizedRecord:
    """A validated record, ready to store (contract resolved later)."""

    index: int
    id: uuid.UUID
    external_id: str
    contract_id: uuid.UUID | None
    client_id: uuid.UUID | None
    queue: str
    channel: str
    direction: str
    initiation: str
    agent: str | None
    enqueued_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int
    talk_seconds: int
    hold_seconds: int
    acw_seconds: int
    outcome: str
    transferred: bool
    resolved: bool | None
    csat: int | None
    nps: int | None
    customer_key: str | None
    attributes: dict[str, Any] | None
    updated_at: datetime


def normalize_contact(
    index: int,
    raw: Mapping[str, Any] | ContactRecordIn | FastContact,
    *,
    secret: str,
    new_id: Any,
    now: datetime | None = None,
) -> NormalizedRecord | list[Rejection]:
    """Validate one pushed record (or check one already parsed, by either way of
    ``records.decode``); answer the normalized record or its rejections. ``now`` is the
    batch's clock (read once per batch, not per row)."""
    if isinstance(raw, FastContact | ContactRecordIn):
        data = raw
    else:
        try:
            data = ContactRecordIn.model_validate(raw)
        except ValidationError as exc:
            return rejections_of(index, exc)
    problems = _problems(index, data, now or datetime.now(UTC))
    if problems:
        return problems
    enqueued_at = data.enqueued_at
    answered = data.outcome == "answered"
    wait = data.wait_seconds
    if wait is None:
        if answered and data.answered_at is not None:
            wait = whole_seconds(data.answered_at - enqueued_at)
        elif not answered and data.ended_at is not None:
            wait = whole_seconds(data.ended_at - enqueued_at)
        else:  # an answered outbound contact without times (checked in _problems)
            wait = 0
    direction = _PLAIN[data.direction]
    initiation = (
        _PLAIN[data.initiation]
        if data.initiation is not None
        else ("outbound" if direction == "outbound" else "inbound")
    )
    return NormalizedRecord(
        index,
        new_id(),
        data.external_id,
        data.contract_id,
        None,
        data.queue,
        data.channel,
        direction,
        initiation,
        data.agent,
        enqueued_at.astimezone(UTC),
        data.answered_at,
        data.ended_at,
        wait,
        data.talk_seconds,
        data.hold_seconds,
        data.acw_seconds,
        _PLAIN[data.outcome],
        data.transferred,
        data.resolved,
        data.csat,
        data.nps,
        customer_key(data.customer, secret) if data.customer else None,
        data.attributes,
        data.updated_at or data.ended_at or enqueued_at,
    )


# Enum members as plain strings (what the driver stores), looked up without enum machinery.
_PLAIN: dict[Any, str] = {
    member: member.value for enum in (Outcome, Direction, Initiation) for member in enum
}


def _problems(index: int, data: ContactRecordIn | FastContact, now: datetime) -> list[Rejection]:
    """The rules across fields that the schema alone cannot say."""
    problems: list[Rejection] = []
    enqueued_at = data.enqueued_at
    if not EARLIEST <= enqueued_at <= now + FUTURE_SLACK:
        # Also keeps a garbage timestamp from creating a partition for a far-off month.
        problems.append(
            Rejection(
                index=index,
                field="enqueued_at",
                message="must be after 2000-01-01 and not in the future",
            )
        )
    answered_at, ended_at = data.answered_at, data.ended_at
    if answered_at is not None and answered_at < enqueued_at:
        problems.append(
            Rejection(index=index, field="answered_at", message="must not be before enqueued_at")
        )
    if ended_at is not None and ended_at < enqueued_at:
        problems.append(
            Rejection(index=index, field="ended_at", message="must not be before enqueued_at")
        )
    for name in TEXT_FIELDS:
        text = getattr(data, name)
        if text and (problem := unstorable_text(text)):
            problems.append(Rejection(index=index, field=name, message=problem))
    attributes = data.attributes
    if attributes and (problem := unstorable_json(attributes)):
        problems.append(Rejection(index=index, field="attributes", message=problem))
    elif attributes and nested_deeper_than(attributes, MAX_ATTRIBUTE_DEPTH):
        problems.append(
            Rejection(
                index=index,
                field="attributes",
                message=f"must not nest more than {MAX_ATTRIBUTE_DEPTH} levels",
            )
        )
    outcome = _PLAIN[data.outcome]
    answered = outcome == "answered"
    if not answered and answered_at is not None:
        problems.append(
            Rejection(
                index=index,
                field="answered_at",
                message=f"must be empty when the outcome is {outcome}",
            )
        )
    if not answered and (data.talk_seconds or data.hold_seconds or data.acw_seconds):
        problems.append(
            Rejection(
                index=index,
                field="talk_seconds",
                message=f"handle time must be 0 when the outcome is {outcome}",
            )
        )
    if (
        data.wait_seconds is None
        and not (answered and answered_at is not None)
        and not (not answered and ended_at is not None)
        and not (answered and data.direction == "outbound")
    ):
        problems.append(
            Rejection(
                index=index,
                field="wait_seconds",
                message="give wait_seconds, or answered_at / ended_at to derive it",
            )
        )
    return problems


def latest_per_key(records: Iterable[NormalizedRecord]) -> tuple[list[NormalizedRecord], int]:
    """One record per external id: the latest version (the later in the batch on a tie).
    Answers the kept records and how many were superseded inside the batch."""
    kept: dict[str, NormalizedRecord] = {}
    superseded = 0
    for record in records:
        held = kept.get(record.external_id)
        if held is not None:
            superseded += 1
            if record.updated_at < held.updated_at:
                continue
        kept[record.external_id] = record
    return list(kept.values()), superseded


# --- rollups -------------------------------------------------------------------------------

# The summed columns of contact_rollup, in table order (the two histograms follow them).
ROLLUP_SUMS = (
    "contacts",
    "answered",
    "abandoned",
    "flow_outs",
    "wait_answered",
    "wait_abandoned",
    "handle_seconds",
    "handle_units_6",
    "handle_units_60",
    "transferred",
    "fcr_resolved",
    "fcr_known",
    "csat_responses",
    "csat_sum",
    "csat_top2",
    "nps_responses",
    "nps_promoters",
    "nps_detractors",
)
# What the rollups need to know of a record.
ROLLUP_FACTS = (
    "contract_id",
    "client_id",
    "queue",
    "channel",
    "direction",
    "enqueued_at",
    "outcome",
    "wait_seconds",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "transferred",
    "resolved",
    "csat",
    "nps",
)


def contribution(r: Any) -> list[int]:
    """The record's share of each of ROLLUP_SUMS (``r`` has the ROLLUP_FACTS attributes)."""
    answered = r.outcome == "answered"
    abandoned = r.outcome == "abandoned"
    handle = r.talk_seconds + r.hold_seconds + r.acw_seconds if answered else 0
    return [
        1,
        int(answered),
        int(abandoned),
        int(r.outcome == "flow_out"),
        r.wait_seconds if answered else 0,
        r.wait_seconds if abandoned else 0,
        handle,
        -(-handle // 6),
        -(-handle // 60),
        int(bool(r.transferred)),
        int(r.resolved is True),
        int(r.resolved is not None),
        int(r.csat is not None),
        r.csat or 0,
        int(r.csat is not None and r.csat >= 4),
        int(r.nps is not None),
        int(r.nps is not None and r.nps >= 9),
        int(r.nps is not None and r.nps <= 6),
    ]


@dataclass
class RollupDelta:
    client_id: uuid.UUID | None
    sums: list[int]
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


def rollup_deltas(added: Iterable[Any], removed: Iterable[Any]) -> dict[tuple, RollupDelta]:
    """What to add to each rollup row: +1 share of every added record, -1 of every removed."""
    groups: dict[tuple, list[tuple[int, Any]]] = {}
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
    deltas: dict[tuple, RollupDelta] = {}
    for key, members in groups.items():
        delta = _group_delta(members)
        if not delta.is_zero():
            deltas[key] = delta
    return deltas


def _group_delta(members: list[tuple[int, Any]]) -> RollupDelta:
    """The summed contribution of one rollup row's records (the same as ``contribution``)."""
    sums = [0] * len(ROLLUP_SUMS)
    answered_waits: dict[int, int] = {}
    abandoned_waits: dict[int, int] = {}
    client_id = None
    for sign, r in members:
        client_id = client_id or r.client_id
        outcome = r.outcome
        wait = r.wait_seconds
        sums[0] += sign
        if outcome == "answered":
            handle = r.talk_seconds + r.hold_seconds + r.acw_seconds
            sums[1] += sign
            sums[4] += sign * wait
            sums[6] += sign * handle
            sums[7] += sign * -(-handle // 6)
            sums[8] += sign * -(-handle // 60)
            answered_waits[wait] = answered_waits.get(wait, 0) + sign
        elif outcome == "abandoned":
            sums[2] += sign
            sums[5] += sign * wait
            abandoned_waits[wait] = abandoned_waits.get(wait, 0) + sign
        else:
            sums[3] += sign
        if r.transferred:
            sums[9] += sign
        resolved = r.resolved
        if resolved is not None:
            sums[11] += sign
            if resolved:
                sums[10] += sign
        csat = r.csat
        if csat is not None:
            sums[12] += sign
            sums[13] += sign * csat
            if csat >= 4:
                sums[14] += sign
        nps = r.nps
        if nps is not None:
            sums[15] += sign
            if nps >= 9:
                sums[16] += sign
            elif nps <= 6:
                sums[17] += sign
    return RollupDelta(client_id, sums, answered_waits, abandoned_waits)


@dataclass(frozen=True, slots=True)
class RollupChange:
    """What a batch adds to the 15-minute and the hourly rollups, as rows ready to COPY
    (``repository.ROLLUP_COLUMNS``: key, client, sums, then both histograms as array text)."""

    quarter: list[tuple]
    hour: list[tuple]

    @staticmethod
    def of(added: Iterable[Any], removed: Iterable[Any]) -> RollupChange:
        deltas = rollup_deltas(added, removed)
        return RollupChange(_copy_rows(deltas), _copy_rows(by_hour(deltas)))

    def __bool__(self) -> bool:
        return bool(self.quarter)


def _copy_rows(deltas: dict[tuple, RollupDelta]) -> list[tuple]:
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


def by_hour(deltas: dict[tuple, RollupDelta]) -> dict[tuple, RollupDelta]:
    """The same deltas summed per UTC hour, for the hourly rollups."""
    hours: dict[tuple, RollupDelta] = {}
    for (contract_id, queue, channel, direction, start), delta in deltas.items():
        key = (contract_id, queue, channel, direction, start.replace(minute=0))
        held = hours.get(key)
        if held is None:
            held = hours[key] = RollupDelta(delta.client_id, [0] * len(ROLLUP_SUMS))
        held.client_id = held.client_id or delta.client_id
        held.sums = [a + b for a, b in zip(held.sums, delta.sums, strict=True)]
        for mine, theirs in (
            (held.answered_waits, delta.answered_waits),
            (held.abandoned_waits, delta.abandoned_waits),
        ):
            for wait, count in theirs.items():
                mine[wait] = mine.get(wait, 0) + count
    return hours

"""Pure parts of ingestion: per-row validation, the customer key and de-duplication inside a
batch (what a record adds to the rollups is ``metrics.rollups``)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from metrics.ingestion.decode import FastContact
from metrics.records.models import Direction, Initiation, Outcome
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
    """A validated record, ready to store (contract resolved later): the columns ingestion
    computes or reads, and the record as pushed (``data``), from which a column named like a
    field of ``ContactRecordIn`` and not carried here is stored as it came
    (``ingestion.columns``)."""

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
    data: ContactRecordIn | FastContact


def normalize_contact(
    index: int,
    raw: Mapping[str, Any] | ContactRecordIn | FastContact,
    *,
    secret: str,
    new_id: Any,
    now: datetime | None = None,
) -> NormalizedRecord | list[Rejection]:
    """Validate one pushed record (or check one already parsed, by either way of
    ``ingestion.decode``); answer the normalized record or its rejections. ``now`` is the
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
        data,
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

"""The fast way in (msgspec) never accepts what the per-row way (pydantic) refuses, and reads
every value the same way."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.ingestion.columns import CONTACT_COLUMNS, contact_row
from metrics.ingestion.decode import decode_batch
from metrics.ingestion.normalize import normalize_contact
from metrics.records.schemas import ContactBatch, ContactRecordIn

SECRET = "s" * 32
SOURCE_ID = uuid.UUID(int=7)
NOW = datetime(2026, 11, 29, tzinfo=UTC)

VALID = {
    "external_id": "call-1",
    "queue": "acme-support",
    "channel": "voice",
    "enqueued_at": "2026-10-01T12:00:20Z",
    "answered_at": "2026-10-01T12:00:35.250+01:00",
    "wait_seconds": 15,
    "talk_seconds": 280,
    "outcome": "answered",
    "csat": 5,
    "customer": "+5511990000001",
}

# For each field, values the per-row way accepts and values it refuses or reads loosely.
TIMES = st.sampled_from(
    [
        "2026-10-01T12:00:20Z",
        "2026-10-01t12:00:20z",
        "2026-10-01 12:00:20+05:30",
        "2026-10-01T12:00:20.123456-03:00",
        "2026-10-01T12:00:20.1234567Z",
        "2026-10-01T12:00Z",
        "2026-10-01T12:00:20",
        "2026-10-01",
        "2026-13-01T12:00:20Z",
        "0000-01-01T00:00:00Z",
        "2026-10-01T12:00:20+0100",
        "1759320020",
        1759320020,
        None,
    ]
)
SECONDS = st.one_of(st.integers(-2, 10_000_001), st.sampled_from([1.0, 1.5, "15", True, None, 1e2]))
TEXT = st.one_of(
    st.text(max_size=5),
    st.sampled_from(["a" * 200, "a" * 201, "voice\n", "Voice", "x\u0000", "chat", "é", 7]),
)
FIELD_VALUES: dict[str, Any] = {
    "external_id": TEXT,
    "queue": TEXT,
    "channel": TEXT,
    "direction": st.sampled_from(["inbound", "outbound", "Inbound", "sideways", None, 1]),
    "initiation": st.sampled_from(["transfer", "callback", "x", None]),
    "contract_id": st.sampled_from(
        [
            "0193a52e-0000-7000-8000-000000000001",
            "0193A52E000070008000000000000001",
            "{0193a52e-0000-7000-8000-000000000001}",
            "not-a-uuid",
            None,
        ]
    ),
    "enqueued_at": TIMES,
    "answered_at": TIMES,
    "ended_at": TIMES,
    "updated_at": TIMES,
    "wait_seconds": SECONDS,
    "talk_seconds": SECONDS,
    "hold_seconds": SECONDS,
    "acw_seconds": SECONDS,
    "outcome": st.sampled_from(["answered", "abandoned", "flow_out", "ANSWERED", "lost", None]),
    "transferred": st.sampled_from([True, False, 1, "true", None]),
    "resolved": st.sampled_from([True, False, 0, "no", None]),
    "csat": st.one_of(st.integers(-1, 6), st.sampled_from([4.0, "5", None])),
    "nps": st.one_of(st.integers(-1, 11), st.sampled_from([9.0, None])),
    "customer": st.one_of(TEXT, st.just("a" * 321)),
    "attributes": st.sampled_from([{"k": 1}, {"nested": {"a": [1, 2]}}, [], "x", None]),
    "unknown_field": st.just(1),
}


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    record = dict(VALID)
    for name in draw(st.sets(st.sampled_from(sorted(FIELD_VALUES)), max_size=3)):
        value = draw(FIELD_VALUES[name])
        if value is None and draw(st.booleans()):
            record.pop(name, None)  # absent rather than null
        else:
            record[name] = value
    return record


def normalized(record: Any) -> dict[str, Any]:
    """The row the record is stored as (or its rejections)."""
    result = normalize_contact(0, record, secret=SECRET, new_id=lambda: None, now=NOW)
    if isinstance(result, list):
        return {"rejected": result}
    return dict(zip(CONTACT_COLUMNS, contact_row(SOURCE_ID, result), strict=True))


@settings(max_examples=400, deadline=None)
@given(st.lists(records(), min_size=1, max_size=3))
def test_fast_way_accepts_only_what_the_per_row_way_accepts(rows: list[dict]) -> None:
    body = json.dumps({"source": "s", "records": rows}).encode()
    fast = decode_batch(body)
    if fast is None:
        return  # the per-row way decides (and is tested on its own)
    slow = ContactBatch.model_validate_json(body)
    assert all(isinstance(r, ContactRecordIn) for r in slow.records), "fast way too lax"
    for fast_record, slow_record in zip(fast.records, slow.records, strict=True):
        assert normalized(fast_record) == normalized(slow_record)


class TestFallsBackToThePerRowWay:
    def test_a_valid_batch_is_decoded(self) -> None:
        batch = decode_batch(json.dumps({"source": "s", "records": [VALID]}).encode())
        assert batch is not None and batch.records[0].external_id == "call-1"

    def test_one_bad_row(self) -> None:
        rows = [VALID, {**VALID, "wait_seconds": -1}]
        assert decode_batch(json.dumps({"source": "s", "records": rows}).encode()) is None

    def test_a_seventh_digit_of_a_second(self) -> None:
        row = {**VALID, "enqueued_at": "2026-10-01T12:00:20.1234567Z"}
        assert decode_batch(json.dumps({"source": "s", "records": [row]}).encode()) is None

    def test_a_channel_ending_in_a_newline(self) -> None:
        row = {**VALID, "channel": "voice\n"}
        assert decode_batch(json.dumps({"source": "s", "records": [row]}).encode()) is None

    def test_not_json(self) -> None:
        assert decode_batch(b'{"source": "s", "records": [') is None

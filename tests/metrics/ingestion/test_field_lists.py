"""One field list per contact record: what ingestion writes (the COPY columns and rows) and
what the rollups keep are derived from the models, and every hand-written list that remains
agrees with them. Adding a column to contact records is the model, the schema
(``ContactRecordIn``, mirrored by ``FastContact``; ``ContactRecordRead`` to read it back) and a
migration (``tests/shared/test_migrations.py`` checks the model and the migrations agree)."""

import json
import uuid
from dataclasses import fields
from datetime import UTC, datetime
from types import SimpleNamespace

import msgspec
import pytest

from metrics.ingestion.columns import (
    CONTACT_COLUMNS,
    GENERATED_COLUMNS,
    PUSHED_COLUMNS,
    contact_row,
    row_builder,
)
from metrics.ingestion.decode import FastContact, decode_batch
from metrics.ingestion.normalize import NormalizedRecord, normalize_contact
from metrics.ingestion.store import CLAIM_AND_INSERT, INSERT_ALL_NEW
from metrics.kpis.figures import SCALAR_FIELDS, Sums
from metrics.kpis.repository import RAW_SUMS
from metrics.records.models import ContactRecord
from metrics.records.schemas import ContactRecordIn, ContactRecordRead
from metrics.rollups.deltas import RollupChange
from metrics.rollups.models import ContactRollup, ContactRollupHour
from metrics.rollups.store import HISTOGRAMS, ROLLUP_COLUMNS, ROLLUP_KEY
from metrics.rollups.sums import ROLLUP_FACTS, ROLLUP_SUMS, RollupSums

MODEL_COLUMNS = tuple(c.name for c in ContactRecord.__table__.columns)
NOW = datetime(2026, 11, 29, tzinfo=UTC)
# Pushed but never stored as such: the raw identifier is stored only as its keyed hash.
INPUT_ONLY = {"customer"}


class TestContactColumns:
    def test_copy_columns_are_the_model_columns_minus_generated_ones(self) -> None:
        assert GENERATED_COLUMNS == ("ingested_at",)
        assert tuple(c for c in MODEL_COLUMNS if c not in GENERATED_COLUMNS) == CONTACT_COLUMNS

    def test_every_normalized_field_has_a_column(self) -> None:
        names = {f.name for f in fields(NormalizedRecord)} - {"index", "data"}
        assert names <= set(CONTACT_COLUMNS)
        # Every column but the batch's source is computed or read by normalization today.
        assert set(CONTACT_COLUMNS) - names == {"source_id"}

    def test_every_pushed_field_is_a_column_or_input_only(self) -> None:
        pushed = set(ContactRecordIn.model_fields)
        assert pushed - set(MODEL_COLUMNS) == INPUT_ONLY
        assert pushed >= PUSHED_COLUMNS

    def test_the_fast_decoder_mirrors_the_schema_field_for_field(self) -> None:
        assert set(FastContact.__struct_fields__) == set(ContactRecordIn.model_fields)
        info = msgspec.inspect.type_info(FastContact)
        assert isinstance(info, msgspec.inspect.StructType)
        for field in info.fields:
            schema_field = ContactRecordIn.model_fields[field.name]
            assert field.required == schema_field.is_required(), field.name
            if not field.required:
                assert field.default == schema_field.default, field.name

    def test_what_is_read_back_is_what_is_stored(self) -> None:
        assert set(ContactRecordRead.model_fields) == set(CONTACT_COLUMNS)

    def test_statements_write_every_column(self) -> None:
        listed = ", ".join(CONTACT_COLUMNS)
        assert f"INSERT INTO contact_record ({listed})" in INSERT_ALL_NEW
        assert f"INSERT INTO contact_record ({listed})" in CLAIM_AND_INSERT

    def test_a_row_holds_each_column_by_name(self) -> None:
        body = {
            "source": "s",
            "records": [
                {
                    "external_id": "call-1",
                    "queue": "support",
                    "agent": "a-1",
                    "enqueued_at": "2026-10-01T12:00:00Z",
                    "answered_at": "2026-10-01T12:00:09Z",
                    "ended_at": "2026-10-01T12:05:00Z",
                    "outcome": "answered",
                    "csat": 4,
                    "customer": "+5511990000001",
                    "attributes": {"k": [1, 2]},
                }
            ],
        }
        fast = decode_batch(json.dumps(body).encode())
        assert fast is not None
        record = normalize_contact(0, fast.records[0], secret="s" * 32, new_id=uuid.uuid4, now=NOW)
        assert isinstance(record, NormalizedRecord)
        source_id = uuid.uuid4()
        row = dict(zip(CONTACT_COLUMNS, contact_row(source_id, record), strict=True))
        assert row.pop("source_id") == source_id
        assert json.loads(row.pop("attributes")) == {"k": [1, 2]}
        assert row == {c: getattr(record, c) for c in row}
        assert row["customer_key"] != "+5511990000001" and row["agent"] == "a-1"


class TestAddingAColumn:
    """What adding a column takes: a pushed column comes from the record as pushed, with no
    change to normalization; one that comes from nowhere is refused, by name, at import."""

    def test_a_pushed_column_is_stored_as_pushed(self) -> None:
        row = row_builder(
            ("id", "source_id", "language", "extra"),
            computed={"id"},
            pushed={"language", "extra"},
            json_columns={"extra"},
        )
        record = SimpleNamespace(id=1, data=SimpleNamespace(language="pt-BR", extra={"a": 1}))
        assert row("src", record) == (1, "src", "pt-BR", '{"a": 1}')
        record.data.extra = None
        assert row("src", record) == (1, "src", "pt-BR", None)

    def test_a_column_from_nowhere_is_refused(self) -> None:
        with pytest.raises(TypeError, match=r"contact_record\.language"):
            row_builder(("id", "language"), computed={"id"}, pushed=set())


class TestRollupColumns:
    def test_sums_are_the_model_sum_columns_by_name_and_order(self) -> None:
        for model in (ContactRollup, ContactRollupHour):
            columns = tuple(c.name for c in model.__table__.columns)
            assert columns == ROLLUP_COLUMNS
        assert (*ROLLUP_KEY, "client_id", *ROLLUP_SUMS, *HISTOGRAMS) == ROLLUP_COLUMNS
        assert RollupSums._fields == ROLLUP_SUMS

    def test_readers_name_the_same_sums(self) -> None:
        assert SCALAR_FIELDS == ROLLUP_SUMS
        assert tuple(RAW_SUMS) == ROLLUP_SUMS
        assert Sums(**RollupSums()._asdict()) == Sums()

    def test_rollup_facts_are_columns_and_normalized_fields(self) -> None:
        normalized = {f.name for f in fields(NormalizedRecord)}
        assert set(ROLLUP_FACTS) <= set(CONTACT_COLUMNS) & normalized

    def test_a_change_row_lines_up_with_the_columns(self) -> None:
        fact = SimpleNamespace(
            contract_id=uuid.UUID(int=1),
            client_id=uuid.UUID(int=2),
            queue="q",
            channel="voice",
            direction="inbound",
            enqueued_at=datetime(2026, 10, 1, 12, 7, tzinfo=UTC),
            outcome="answered",
            wait_seconds=3,
            talk_seconds=100,
            hold_seconds=0,
            acw_seconds=20,
            transferred=False,
            resolved=True,
            csat=5,
            nps=None,
        )
        change = RollupChange.of([fact], [])
        for rows in (change.quarter, change.hour):
            (row,) = rows
            named = dict(zip(ROLLUP_COLUMNS, row, strict=True))
            assert named["contract_id"] == fact.contract_id
            assert named["client_id"] == fact.client_id
            assert named["contacts"] == named["answered"] == named["fcr_resolved"] == 1
            assert named["handle_seconds"] == 120 and named["csat_sum"] == 5
            assert named["nps_responses"] == 0
            assert named["answered_le"] == "{0,0,0,1}" and named["abandoned_le"] == "{}"
        assert dict(zip(ROLLUP_COLUMNS, change.hour[0], strict=True))["interval_start"] == (
            datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
        )

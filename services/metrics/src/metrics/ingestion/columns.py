"""The ``contact_record`` columns ingestion writes, and a batch's row as COPY writes them, both
derived once, at import, from the model (``records.models.ContactRecord``).

A column's value comes from the normalized record when ingestion computes or reads it
(``normalize.NormalizedRecord``), else from the record as pushed, under the column's name
(``schemas.ContactRecordIn``); ``source_id`` is the batch's. So adding a column to contact
records is the model, the schema and a migration: a column found in neither fails at import.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence, Set
from dataclasses import fields
from typing import Any

from sqlalchemy.dialects.postgresql import JSONB

from metrics.ingestion.decode import FastContact
from metrics.ingestion.normalize import NormalizedRecord
from metrics.records.models import ContactRecord
from metrics.records.schemas import ContactRecordIn

_TABLE = ContactRecord.__table__

# Filled in by PostgreSQL (a server default, e.g. ``ingested_at``): never written by ingestion.
GENERATED_COLUMNS: tuple[str, ...] = tuple(c.name for c in _TABLE.columns if c.server_default)
# What ingestion writes, in table order: the COPY column list and the INSERT ... SELECT one.
CONTACT_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in _TABLE.columns if c.name not in GENERATED_COLUMNS
)
# The batch's, the same for each of its rows.
BATCH_COLUMNS = frozenset({"source_id"})
# Computed or read by ingestion (``NormalizedRecord`` minus its bookkeeping).
COMPUTED_COLUMNS = frozenset(f.name for f in fields(NormalizedRecord)) - {"index", "data"}
# Stored as pushed: fields of the record in both ways in (``decode.FastContact`` mirrors the
# schema field for field; a test checks it).
PUSHED_COLUMNS = frozenset(
    name
    for name in ContactRecordIn.model_fields
    if name in FastContact.__struct_fields__
    and name in _TABLE.columns
    and name not in COMPUTED_COLUMNS
)
# Columns the driver takes as JSON text.
JSON_COLUMNS = frozenset(c.name for c in _TABLE.columns if isinstance(c.type, JSONB))


RowBuilder = Callable[[uuid.UUID, Any], tuple[Any, ...]]


def row_builder(
    columns: Sequence[str],
    *,
    batch: Set[str] = BATCH_COLUMNS,
    computed: Set[str] = COMPUTED_COLUMNS,
    pushed: Set[str] = PUSHED_COLUMNS,
    json_columns: Set[str] = JSON_COLUMNS,
) -> RowBuilder:
    """A function ``(source_id, record)`` answering the record's values for ``columns``, in
    order. It is written out once from the column list, so a row costs what a hand-written
    tuple of attributes costs (one is built for each stored record). A column that comes from
    nowhere raises TypeError, naming it."""
    values = []
    for position, column in enumerate(columns):
        if not column.isidentifier():
            raise TypeError(f"contact_record.{column}: not a name a row can be built with")
        if column in batch:
            value = column
        elif column in computed:
            value = f"r.{column}"
        elif column in pushed:
            value = f"r.data.{column}"
        else:
            raise TypeError(
                f"contact_record.{column}: neither computed by ingestion (NormalizedRecord) "
                "nor pushed (a field of ContactRecordIn and of FastContact)"
            )
        if column in json_columns:
            value = f"(None if (_v{position} := {value}) is None else _dumps(_v{position}))"
        values.append(value)
    source = f"def row(source_id, r):\n    return ({', '.join(values)},)\n"
    namespace: dict[str, Any] = {"_dumps": json.dumps}
    # The source is built from column names (identifiers, checked above), never from input.
    exec(compile(source, "<metrics.ingestion.columns>", "exec"), namespace)  # noqa: S102
    row: RowBuilder = namespace["row"]
    return row


contact_row: Callable[[uuid.UUID, NormalizedRecord], tuple[Any, ...]] = row_builder(CONTACT_COLUMNS)
"""A normalized record as COPY writes it into ``contact_record`` (``CONTACT_COLUMNS``)."""

"""trimmed wait histograms

A rollup row's cumulative wait histograms (``answered_le``, ``abandoned_le``) are stored
trimmed after the longest wait they count: past it the cumulative count no longer changes, so
a reader takes the array's last element for any longer wait, and an empty array counts
nothing. A sparse month writes a new rollup row for nearly every record, and two full
601-integer arrays a row were most of what ingesting it cost.

``metrics_int_array_add`` now adds arrays of different lengths with that reading (and so
does the aggregate built on it); ``metrics_histogram_le`` reads one bound. Rows written
before keep their full arrays, which read the same: nothing is rewritten.

Revision ID: 5d2f8a6c1e47
Revises: 4e7a1c9d2b10
Create Date: 2026-12-03 13:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d2f8a6c1e47"
down_revision: str | None = "4e7a1c9d2b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIMMED_ADD = """
CREATE OR REPLACE FUNCTION metrics_int_array_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        array_agg(
            coalesce(a[least(i, cardinality(a))], 0) + coalesce(b[least(i, cardinality(b))], 0)
            ORDER BY i
        ),
        '{}'
    )
    FROM generate_series(1, greatest(cardinality(a), cardinality(b))) AS i
$$
"""

HISTOGRAM_LE = """
CREATE FUNCTION metrics_histogram_le(h integer[], seconds integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(h[least(seconds + 1, cardinality(h))], 0)
$$
"""

FULL_LENGTH_ADD = """
CREATE OR REPLACE FUNCTION metrics_int_array_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
    FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$
"""

# Downgrading needs full-length arrays again: the last element repeated up to 601.
UNTRIM = """
UPDATE {table} SET
    answered_le = answered_le || array_fill(
        coalesce(answered_le[cardinality(answered_le)], 0), ARRAY[601 - cardinality(answered_le)]
    ),
    abandoned_le = abandoned_le || array_fill(
        coalesce(abandoned_le[cardinality(abandoned_le)], 0),
        ARRAY[601 - cardinality(abandoned_le)]
    )
WHERE cardinality(answered_le) < 601 OR cardinality(abandoned_le) < 601
"""


def upgrade() -> None:
    op.execute(TRIMMED_ADD)
    op.execute(HISTOGRAM_LE)


def downgrade() -> None:
    for table in ("contact_rollup", "contact_rollup_hour"):
        op.execute(UNTRIM.format(table=table))
    op.execute("DROP FUNCTION metrics_histogram_le(integer[], integer)")
    op.execute(FULL_LENGTH_ADD)

"""SQL of the rollups: a change's rows COPYed into a staging table, then added to both rollup
tables with one INSERT ... ON CONFLICT, inside the request's transaction. Column lists come
from the model (``models.RollupColumns``); statements are built from them once, at import."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from metrics.changes import marks as changes
from metrics.driver import raw_connection
from metrics.rollups.deltas import RollupChange
from metrics.rollups.models import ContactRollup
from metrics.rollups.sums import ROLLUP_FACTS, ROLLUP_SUMS

_TABLE = ContactRollup.__table__
# A rollup row's key, in table order.
ROLLUP_KEY: tuple[str, ...] = tuple(c.name for c in _TABLE.columns if c.primary_key)
# Every column, in table order: what a ``RollupChange`` row holds (key, client, the sums,
# then both histograms).
ROLLUP_COLUMNS: tuple[str, ...] = tuple(c.name for c in _TABLE.columns)
HISTOGRAMS = ("answered_le", "abandoned_le")

# The facts of stored records the rollups need (to take replaced or erased ones out), as a
# select list over ``contact_record r``.
FACTS_SELECT = ", ".join(f"r.{c}" for c in ROLLUP_FACTS)

_KEY = ", ".join(ROLLUP_KEY)
# Statements below are built from the constant column lists above, never from input.
# The histograms travel as array literals (text) and are cast here.
_ROLLUP_SELECT = ", ".join(f"{c}::integer[]" if c in HISTOGRAMS else c for c in ROLLUP_COLUMNS)
_TEMP_TYPES = {
    "contract_id": "uuid",
    "queue": "text",
    "channel": "text",
    "direction": "text",
    "interval_start": "timestamptz",
    "client_id": "uuid",
    "answered_le": "text",
    "abandoned_le": "text",
}
# Both grains' rows of a change (``grain``: 15 or 60 minutes), staged for one statement.
CREATE_ROLLUP_TEMP = (
    "CREATE TEMP TABLE IF NOT EXISTS _ingest_rollup (grain smallint, "
    + ", ".join(f"{c} {_TEMP_TYPES.get(c, 'bigint')}" for c in ROLLUP_COLUMNS)
    + ") ON COMMIT DELETE ROWS"
)
_UPSERT_GRAIN = f"""
INSERT INTO {{table}} AS r ({", ".join(ROLLUP_COLUMNS)})
SELECT {_ROLLUP_SELECT} FROM staged WHERE grain = {{grain}} ORDER BY {_KEY}
ON CONFLICT ({_KEY}) DO UPDATE SET
    client_id = coalesce(r.client_id, excluded.client_id),
    {", ".join(f"{c} = r.{c} + excluded.{c}" for c in ROLLUP_SUMS)},
    answered_le = metrics_int_array_add(r.answered_le, excluded.answered_le),
    abandoned_le = metrics_int_array_add(r.abandoned_le, excluded.abandoned_le)
"""  # noqa: S608
# Takes the staged rows out (so a second change in the same transaction starts empty) and adds
# them to both rollup tables, in one round trip.
UPSERT_ROLLUPS = f"""
WITH staged AS (DELETE FROM _ingest_rollup RETURNING *),
quarter AS ({_UPSERT_GRAIN.format(table="contact_rollup", grain=15)})
{_UPSERT_GRAIN.format(table="contact_rollup_hour", grain=60)}
"""  # noqa: S608


class RollupStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, change: RollupChange) -> None:
        """Add a change to the 15-minute rollups and to the hourly ones."""
        if not change:
            return
        conn = await raw_connection(self.session)
        await conn.execute(CREATE_ROLLUP_TEMP)
        await conn.copy_records_to_table(
            "_ingest_rollup",
            columns=("grain", *ROLLUP_COLUMNS),
            records=[(15, *row) for row in change.quarter] + [(60, *row) for row in change.hour],
        )
        await changes.mark_from_rollup_batch(conn)  # before the upsert empties the batch
        await conn.execute(UPSERT_ROLLUPS)


def as_facts(rows: Sequence[Any]) -> list[Any]:
    """asyncpg rows expose columns by key; give them attribute access for rollup_deltas."""
    return [_Facts(row) for row in rows]


class _Facts:
    __slots__ = ("_row",)

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row[name]

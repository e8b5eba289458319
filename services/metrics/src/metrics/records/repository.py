"""SQL of ingestion, set-based: COPY the batch into a temporary table; store it with one
statement (a plain insert of its keys when all are new, else one INSERT ... ON CONFLICT ...
WHERE newer that claims them), delete the versions it replaced, then add the rollup deltas with
one more INSERT ... ON CONFLICT. All inside the request's transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics.changes import marks as changes
from metrics.records.ingest import (
    ROLLUP_FACTS,
    ROLLUP_SUMS,
    NormalizedRecord,
    RollupChange,
)
from metrics.records.models import ContactRecord
from shared.pagination import PageParams, keyset, page_from_rows

CONTACT_COLUMNS = (
    "id",
    "enqueued_at",
    "source_id",
    "external_id",
    "contract_id",
    "client_id",
    "queue",
    "channel",
    "direction",
    "initiation",
    "agent",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "outcome",
    "transferred",
    "resolved",
    "csat",
    "nps",
    "customer_key",
    "attributes",
    "updated_at",
)
ROLLUP_COLUMNS = (
    "contract_id",
    "queue",
    "channel",
    "direction",
    "interval_start",
    "client_id",
    *ROLLUP_SUMS,
    "answered_le",
    "abandoned_le",
)
_FACTS = ", ".join(f"r.{c}" for c in ROLLUP_FACTS)
_KEY = "contract_id, queue, channel, direction, interval_start"

# Statements below are built from the constant column lists above, never from input.
# The histograms travel as array literals (text) and are cast here.
_ROLLUP_SELECT = ", ".join(f"{c}::integer[]" if c.endswith("_le") else c for c in ROLLUP_COLUMNS)
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


# The batch's rows, as contact_record has them; emptied at commit (and before each use, for a
# transaction that stores two batches).
CREATE_BATCH_TEMP = (
    "CREATE TEMP TABLE IF NOT EXISTS _ingest_record "
    "(LIKE contact_record INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
_COLUMNS = ", ".join(CONTACT_COLUMNS)
# The usual batch: every key new. A plain insert of the keys costs a third of the claim below
# (no speculative insertion), and it fails on the first key that is stored already; the caller
# runs it in a savepoint and falls back to the claim. Keys go in order, as in the claim, so that
# two batches with common new keys wait for each other instead of deadlocking.
INSERT_ALL_NEW = f"""
WITH keys AS (
    INSERT INTO contact_key (source_id, external_id, record_id, enqueued_at, updated_at, client_id)
    SELECT source_id, external_id, id, enqueued_at, updated_at, client_id
    FROM _ingest_record ORDER BY external_id
)
INSERT INTO contact_record ({_COLUMNS}) SELECT {_COLUMNS} FROM _ingest_record
"""  # noqa: S608
# Claims each key for the batch's row unless the stored version is as new (an erased key's
# version is 'infinity', so it is never claimed again) or is another client's (a record never
# moves to another tenant; keys stored without a client are adopted), inserts the rows that
# claimed theirs, and answers the rows that were not plain inserts: claimed = true for an
# update (its older version is deleted next), false for a row that lost to an equal or newer
# stored version or to another client's (other_client = true). Data-modifying CTEs share one
# snapshot, so the insert sees the claim's RETURNING, not its effects, and the final join
# reads the keys as they were before; keys are claimed in order so that two batches lock them
# in the same order.
CLAIM_AND_INSERT = f"""
WITH claimed AS (
    INSERT INTO contact_key AS k
        (source_id, external_id, record_id, enqueued_at, updated_at, client_id)
    SELECT source_id, external_id, id, enqueued_at, updated_at, client_id
    FROM _ingest_record ORDER BY external_id
    ON CONFLICT (source_id, external_id) DO UPDATE SET
        record_id = excluded.record_id,
        enqueued_at = excluded.enqueued_at,
        updated_at = excluded.updated_at,
        client_id = excluded.client_id
    WHERE k.updated_at < excluded.updated_at
        AND (k.client_id IS NULL OR k.client_id = excluded.client_id)
    RETURNING k.record_id, (xmax = 0) AS inserted
), stored AS (
    INSERT INTO contact_record ({_COLUMNS})
    SELECT {", ".join(f"b.{c}" for c in CONTACT_COLUMNS)}
    FROM _ingest_record b JOIN claimed c ON c.record_id = b.id
)
SELECT b.id, c.record_id IS NOT NULL AS claimed,
    coalesce(k.client_id <> b.client_id, false) AS other_client
FROM _ingest_record b LEFT JOIN claimed c ON c.record_id = b.id
LEFT JOIN contact_key k ON k.source_id = b.source_id AND k.external_id = b.external_id
WHERE c.record_id IS NULL OR NOT c.inserted
"""  # noqa: S608
# The versions the batch's updated rows replaced: same key, another id.
DELETE_REPLACED = f"""
DELETE FROM contact_record r
USING _ingest_record b JOIN unnest($1::uuid[]) AS u(id) ON u.id = b.id
WHERE r.source_id = b.source_id AND r.external_id = b.external_id AND r.id <> b.id
RETURNING {_FACTS}
"""  # noqa: S608


@dataclass(frozen=True, slots=True)
class StoredContacts:
    """What storing a batch did: counts, the rows a stored version beat, and the facts of
    the versions that updated rows replaced (to take out of the rollups)."""

    inserted: int
    updated: int
    unchanged_ids: set[uuid.UUID]
    replaced: list[asyncpg.Record]
    # Rows whose key holds another client's record (refused, never stored).
    other_client_ids: set[uuid.UUID] = field(default_factory=set)


async def raw_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session's transaction (for COPY)."""
    connection = await session.connection()
    fairy = await connection.get_raw_connection()
    return fairy.driver_connection


class RecordRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _conn(self) -> asyncpg.Connection:
        return await raw_connection(self.session)

    async def ensure_partitions(self, months: Sequence[datetime]) -> None:
        conn = await self._conn()
        missing = await conn.fetchval(
            "SELECT count(*) FROM unnest($1::timestamptz[]) AS m WHERE to_regclass("
            "'contact_record_' || to_char(m AT TIME ZONE 'UTC', 'YYYY_MM')) IS NULL",
            list(months),
        )
        if not missing:
            return
        # Concurrent batches of a new month must not both create it. A lock on the parent table
        # (a self-conflicting mode that still lets other batches insert) serializes creators,
        # and taking a relation lock makes this session process catalog invalidations, so the
        # name lookup in the function sees a partition the previous holder created. A lost race
        # is caught as well, inside a savepoint, since either way the partition now exists.
        await conn.execute("LOCK TABLE contact_record IN SHARE UPDATE EXCLUSIVE MODE")
        for month in months:
            try:
                async with conn.transaction():
                    await conn.execute("SELECT metrics_ensure_contact_partition($1)", month)
            except asyncpg.DuplicateTableError:
                continue

    async def stage_contacts(
        self, source_id: uuid.UUID, records: Sequence[NormalizedRecord]
    ) -> None:
        """COPY the batch into the session's temporary table, the only time its rows cross
        the wire; ``store_staged`` then does the rest inside PostgreSQL."""
        conn = await self._conn()
        await conn.execute(CREATE_BATCH_TEMP)
        await conn.execute("TRUNCATE _ingest_record")
        await conn.copy_records_to_table(
            "_ingest_record",
            columns=CONTACT_COLUMNS,
            records=[contact_row(source_id, r) for r in records],
        )

    async def store_staged(self, count: int) -> StoredContacts:
        """Store each staged record (``count`` of them) unless an equal or newer version of it
        is stored already. First as if every key were new (the usual batch); when one is not,
        one statement claims the keys and inserts the rows that won theirs, and answers only
        the rows that did not simply insert."""
        conn = await self._conn()
        # In a savepoint, so a failed try leaves nothing behind; sent as one simple-protocol
        # query (three statements, one round trip), the usual batch's only one.
        try:
            await conn.execute(f"SAVEPOINT all_new; {INSERT_ALL_NEW}; RELEASE SAVEPOINT all_new")
            return StoredContacts(inserted=count, updated=0, unchanged_ids=set(), replaced=[])
        except asyncpg.UniqueViolationError:  # some key is stored already (resent or updated)
            await conn.execute("ROLLBACK TO SAVEPOINT all_new; RELEASE SAVEPOINT all_new")
        exceptions = await conn.fetch(CLAIM_AND_INSERT)
        other_client = {row["id"] for row in exceptions if row["other_client"]}
        unchanged = {row["id"] for row in exceptions if not row["claimed"]} - other_client
        updated = [row["id"] for row in exceptions if row["claimed"]]
        replaced: list[asyncpg.Record] = []
        if updated:
            replaced = await conn.fetch(DELETE_REPLACED, updated)
        return StoredContacts(
            inserted=count - len(unchanged) - len(updated) - len(other_client),
            updated=len(updated),
            unchanged_ids=unchanged,
            replaced=replaced,
            other_client_ids=other_client,
        )

    async def add_to_rollups(self, change: RollupChange) -> None:
        """Add a change to the 15-minute rollups and to the hourly ones."""
        if not change:
            return
        conn = await self._conn()
        await conn.execute(CREATE_ROLLUP_TEMP)
        await conn.copy_records_to_table(
            "_ingest_rollup",
            columns=("grain", *ROLLUP_COLUMNS),
            records=[(15, *row) for row in change.quarter] + [(60, *row) for row in change.hour],
        )
        await changes.mark_from_rollup_batch(conn)  # before the upsert empties the batch
        await conn.execute(UPSERT_ROLLUPS)

    async def erase_customer(self, key: str, client_id: uuid.UUID | None) -> list[asyncpg.Record]:
        """Delete a customer's records (keeping their keys as tombstones); answer their facts."""
        conn = await self._conn()
        tenant = "AND r.client_id = $2" if client_id is not None else "AND $2::uuid IS NULL"
        removed = await conn.fetch(
            f"""
            WITH gone AS (
                DELETE FROM contact_record r WHERE r.customer_key = $1 {tenant}
                RETURNING r.source_id, r.external_id, {_FACTS}
            ), tomb AS (
                UPDATE contact_key k SET updated_at = 'infinity'
                FROM gone WHERE k.source_id = gone.source_id AND k.external_id = gone.external_id
            )
            SELECT * FROM gone
            """,  # noqa: S608
            key,
            client_id,
        )
        return removed

    async def list_contacts(
        self,
        params: PageParams,
        *,
        contract_id: uuid.UUID | None,
        client_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
    ) -> tuple[list[ContactRecord], str | None]:
        stmt = select(ContactRecord)
        if contract_id is not None:
            stmt = stmt.where(ContactRecord.contract_id == contract_id)
        if client_id is not None:
            stmt = stmt.where(ContactRecord.client_id == client_id)
        if start is not None:
            stmt = stmt.where(ContactRecord.enqueued_at >= start)
        if end is not None:
            stmt = stmt.where(ContactRecord.enqueued_at < end)
        rows = (
            (
                await self.session.execute(
                    keyset(stmt, params, [ContactRecord.enqueued_at, ContactRecord.id])
                )
            )
            .scalars()
            .all()
        )
        return page_from_rows(rows, params, ("enqueued_at", "id"))


def contact_row(source_id: uuid.UUID, r: NormalizedRecord) -> tuple:
    """A normalized record as COPY writes it into ``contact_record`` (``CONTACT_COLUMNS``)."""
    return (
        r.id,
        r.enqueued_at,
        source_id,
        r.external_id,
        r.contract_id,
        r.client_id,
        r.queue,
        r.channel,
        r.direction,
        r.initiation,
        r.agent,
        r.answered_at,
        r.ended_at,
        r.wait_seconds,
        r.talk_seconds,
        r.hold_seconds,
        r.acw_seconds,
        r.outcome,
        r.transferred,
        r.resolved,
        r.csat,
        r.nps,
        r.customer_key,
        None if r.attributes is None else json.dumps(r.attributes),
        r.updated_at,
    )


def as_facts(rows: Sequence[Any]) -> list[Any]:
    """asyncpg rows expose columns by key; give them attribute access for rollup_deltas."""
    return [_Facts(row) for row in rows]


class _Facts:
    __slots__ = ("_row",)

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row[name]

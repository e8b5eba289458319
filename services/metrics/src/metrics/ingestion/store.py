"""SQL of ingestion, set-based: COPY the batch into a temporary table; store it with one
statement (a plain insert of its keys when all are new, else one INSERT ... ON CONFLICT ...
WHERE newer that claims them) and delete the versions it replaced. All inside the request's
transaction; the rollups follow (``metrics.rollups.store``). Column lists come from the model
(``columns``); statements are built from them once, at import."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from metrics.driver import raw_connection
from metrics.ingestion.columns import CONTACT_COLUMNS, contact_row
from metrics.ingestion.normalize import NormalizedRecord
from metrics.rollups.store import FACTS_SELECT

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
RETURNING {FACTS_SELECT}
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


class ContactStore:
    """Stores a batch of normalized contact records."""

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

"""Writes to the SLA input change log, in the writer's own transaction (every write path that
changes what an SLA report would say calls one of these)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import asyncpg


async def mark(conn: asyncpg.Connection, contract_ids: Iterable[uuid.UUID | None]) -> None:
    """Note, in the writer's transaction, that these contracts' SLA inputs changed."""
    ids = sorted({c for c in contract_ids if c is not None})
    if ids:
        await conn.execute(
            "INSERT INTO sla_input_change (contract_id) SELECT unnest($1::uuid[])", ids
        )


async def mark_from_rollup_batch(conn: asyncpg.Connection) -> None:
    """Note the contracts of the rollup change staged in ``_ingest_rollup``."""
    await conn.execute(
        "INSERT INTO sla_input_change (contract_id) SELECT DISTINCT contract_id FROM _ingest_rollup"
    )

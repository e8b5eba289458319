"""SQL of agent activity."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from metrics.changes import marks as changes
from metrics.driver import raw_connection

if TYPE_CHECKING:
    from metrics.activity.rows import ActivityRow


class ActivityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, source_id: uuid.UUID, rows: Sequence[ActivityRow]) -> StoredSpans:
        """Insert new spans, replace older versions of known ones, except a known span of
        another client (a span never moves to another tenant; spans stored without a client
        are adopted): those are answered by external id."""
        conn = await raw_connection(self.session)
        written = await conn.fetch(
            """
            INSERT INTO agent_activity AS a (id, source_id, external_id, contract_id, client_id,
                agent, state, started_at, ended_at, updated_at, queue, channel)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::uuid[],
                $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[],
                $11::text[], $12::text[])
            ON CONFLICT (source_id, external_id) DO UPDATE SET
                contract_id = excluded.contract_id, client_id = excluded.client_id,
                agent = excluded.agent, state = excluded.state, started_at = excluded.started_at,
                ended_at = excluded.ended_at, updated_at = excluded.updated_at,
                queue = excluded.queue, channel = excluded.channel
            WHERE a.updated_at < excluded.updated_at
                AND (a.client_id IS NULL OR a.client_id = excluded.client_id)
            RETURNING external_id, (xmax = 0) AS inserted
            """,
            [r.id for r in rows],
            [source_id] * len(rows),
            [r.external_id for r in rows],
            [r.contract_id for r in rows],
            [r.client_id for r in rows],
            [r.agent for r in rows],
            [r.state for r in rows],
            [r.started_at for r in rows],
            [r.ended_at for r in rows],
            [r.updated_at for r in rows],
            [r.queue for r in rows],
            [r.channel for r in rows],
        )
        inserted = sum(1 for row in written if row["inserted"])
        changed = {row["external_id"] for row in written}
        await changes.mark(conn, (r.contract_id for r in rows if r.external_id in changed))
        other_client: set[str] = set()
        if len(written) < len(rows):  # some were known: as new, or another client's
            done = {row["external_id"] for row in written}
            waiting = [r for r in rows if r.external_id not in done]
            held = await conn.fetch(
                "SELECT external_id, client_id FROM agent_activity"
                " WHERE source_id = $1 AND external_id = ANY($2::text[])",
                source_id,
                [r.external_id for r in waiting],
            )
            owners = {row["external_id"]: row["client_id"] for row in held}
            other_client = {
                r.external_id
                for r in waiting
                if owners.get(r.external_id) not in (None, r.client_id)
            }
        return StoredSpans(inserted, len(written) - inserted, other_client)


@dataclass(frozen=True, slots=True)
class StoredSpans:
    inserted: int
    updated: int
    other_client: set[str]

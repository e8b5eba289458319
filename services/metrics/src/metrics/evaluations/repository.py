"""SQL of QA evaluations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics.changes import marks as changes
from metrics.driver import raw_connection
from metrics.evaluations.models import QualityEvaluation
from shared.auth import Principal
from shared.pagination import PageParams, keyset, page_from_rows

if TYPE_CHECKING:
    from metrics.evaluations.rows import EvaluationRow

# The columns a new version may change; an equal version with the same values is unchanged.
_VERSIONED = (
    "contract_id",
    "client_id",
    "contact_source_id",
    "contact_external_id",
    "agent",
    "day",
    "queue",
    "channel",
    "evaluated_at",
    "score",
    "form",
    "evaluator",
)
_SET = ", ".join(f"{c} = excluded.{c}" for c in (*_VERSIONED, "updated_at"))
_HELD = ", ".join(f"e.{c}" for c in _VERSIONED)
_SENT = ", ".join(f"excluded.{c}" for c in _VERSIONED)

UPSERT = f"""
INSERT INTO quality_evaluation AS e (id, source_id, external_id, contract_id, client_id,
    contact_source_id, contact_external_id, agent, day, queue, channel, evaluated_at, score,
    form, evaluator, updated_at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[],
    $7::text[], $8::text[], $9::date[], $10::text[], $11::text[], $12::timestamptz[],
    $13::numeric[], $14::text[], $15::text[], $16::timestamptz[])
ON CONFLICT (source_id, external_id) DO UPDATE SET {_SET}
WHERE e.updated_at <= excluded.updated_at
    AND ({_HELD}) IS DISTINCT FROM ({_SENT})
    AND (e.client_id IS NULL OR e.client_id = excluded.client_id)
RETURNING external_id, (xmax = 0) AS inserted
"""  # noqa: S608 (built from the constant column names above)


@dataclass(frozen=True, slots=True)
class StoredEvaluations:
    inserted: int
    updated: int
    # External ids the source holds for another client's evaluation (refused, not stored).
    other_client: set[str]


@dataclass(frozen=True, slots=True)
class EvaluatedContact:
    """What an evaluation takes from the contact record it evaluates."""

    contract_id: uuid.UUID
    client_id: uuid.UUID | None
    queue: str
    channel: str
    agent: str | None


class EvaluationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def readable(
        principal: Principal, *, own_contract: uuid.UUID | None = None
    ) -> Select[QualityEvaluation]:
        """The evaluations the caller may read: every one for operator-wide callers, else its
        client's, or, for a contract the contracts service confirmed is the caller's own
        (``own_contract``), all of that contract's."""
        stmt = select(QualityEvaluation)
        tenant = principal.tenant_client_id
        if tenant is None:
            return stmt
        if own_contract is not None:
            return stmt.where(QualityEvaluation.contract_id == own_contract)
        return stmt.where(QualityEvaluation.client_id == tenant)

    async def contacts(
        self, keys: Sequence[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], EvaluatedContact]:
        """The stored contact records with these keys (source, external id); an erased one
        (its key a tombstone) is not found."""
        if not keys:
            return {}
        conn = await raw_connection(self.session)
        rows = await conn.fetch(
            """
            SELECT k.source_id, k.external_id, r.contract_id, r.client_id, r.queue, r.channel,
                r.agent
            FROM unnest($1::uuid[], $2::text[]) AS w(source_id, external_id)
            JOIN contact_key k ON k.source_id = w.source_id AND k.external_id = w.external_id
            JOIN contact_record r ON r.id = k.record_id AND r.enqueued_at = k.enqueued_at
            """,
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        return {
            (row["source_id"], row["external_id"]): EvaluatedContact(
                row["contract_id"], row["client_id"], row["queue"], row["channel"], row["agent"]
            )
            for row in rows
        }

    async def upsert(
        self, source_id: uuid.UUID, rows: Sequence[EvaluationRow]
    ) -> StoredEvaluations:
        """Insert new evaluations and replace stored ones by a version at least as new that
        changes something, except another client's (an evaluation never moves to another
        tenant): those are answered by external id."""
        conn = await raw_connection(self.session)
        columns: list[list[Any]] = [
            [r.id for r in rows],
            [source_id] * len(rows),
            [r.external_id for r in rows],
            [r.contract_id for r in rows],
            [r.client_id for r in rows],
            [r.contact_source_id for r in rows],
            [r.contact_external_id for r in rows],
            [r.agent for r in rows],
            [r.day for r in rows],
            [r.queue for r in rows],
            [r.channel for r in rows],
            [r.evaluated_at for r in rows],
            [r.score for r in rows],
            [r.form for r in rows],
            [r.evaluator for r in rows],
            [r.updated_at for r in rows],
        ]
        written = await conn.fetch(UPSERT, *columns)
        inserted = sum(1 for row in written if row["inserted"])
        changed = {row["external_id"] for row in written}
        await changes.mark(conn, (r.contract_id for r in rows if r.external_id in changed))
        other_client: set[str] = set()
        if len(written) < len(rows):  # some were known: unchanged, or another client's
            done = {row["external_id"] for row in written}
            waiting = [r for r in rows if r.external_id not in done]
            held = await conn.fetch(
                "SELECT external_id, client_id FROM quality_evaluation"
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
        return StoredEvaluations(inserted, len(written) - inserted, other_client)

    async def erase_of_contacts(self, keys: Sequence[tuple[uuid.UUID, str]]) -> int:
        """Delete the evaluations of these contacts (source, external id); answer how many."""
        if not keys:
            return 0
        conn = await raw_connection(self.session)
        gone = await conn.fetch(
            """
            DELETE FROM quality_evaluation e
            USING unnest($1::uuid[], $2::text[]) AS c(source_id, external_id)
            WHERE e.contact_source_id = c.source_id AND e.contact_external_id = c.external_id
            RETURNING e.id
            """,
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        return len(gone)

    async def list(
        self,
        readable: Select[QualityEvaluation],
        params: PageParams,
        *,
        contract_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
    ) -> tuple[list[QualityEvaluation], str | None]:
        """A page of ``readable`` (from ``readable(principal)``) narrowed by the filters."""
        stmt = readable
        if contract_id is not None:
            stmt = stmt.where(QualityEvaluation.contract_id == contract_id)
        if start is not None:
            stmt = stmt.where(QualityEvaluation.evaluated_at >= start)
        if end is not None:
            stmt = stmt.where(QualityEvaluation.evaluated_at < end)
        order = [QualityEvaluation.evaluated_at, QualityEvaluation.id]
        rows = (await self.session.execute(keyset(stmt, params, order))).scalars().all()
        return page_from_rows(rows, params, ("evaluated_at", "id"))

"""Reading contact records, and erasing a customer's."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics.driver import raw_connection
from metrics.records.models import ContactRecord
from metrics.rollups.store import FACTS_SELECT
from shared.auth import Principal
from shared.pagination import PageParams, keyset, page_from_rows


class RecordRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def readable(
        principal: Principal, *, own_contract: uuid.UUID | None = None
    ) -> Select[ContactRecord]:
        """The contact records the caller may read: every one for operator-wide callers, else
        its client's, or, for a contract the contracts service confirmed is the caller's own
        (``own_contract``), all of that contract's (also those pushed without a client)."""
        stmt = select(ContactRecord)
        tenant = principal.tenant_client_id
        if tenant is None:
            return stmt
        if own_contract is not None:
            return stmt.where(ContactRecord.contract_id == own_contract)
        return stmt.where(ContactRecord.client_id == tenant)

    async def erase_customer(self, key: str, principal: Principal) -> list[asyncpg.Record]:
        """Delete a customer's records the caller may erase (keeping their keys as tombstones);
        answer their facts."""
        client_id = principal.tenant_client_id
        conn = await raw_connection(self.session)
        tenant = "AND r.client_id = $2" if client_id is not None else "AND $2::uuid IS NULL"
        removed = await conn.fetch(
            f"""
            WITH gone AS (
                DELETE FROM contact_record r WHERE r.customer_key = $1 {tenant}
                RETURNING r.source_id, r.external_id, {FACTS_SELECT}
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
        readable: Select[ContactRecord],
        params: PageParams,
        *,
        contract_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
    ) -> tuple[list[ContactRecord], str | None]:
        """A page of ``readable`` (from ``readable(principal)``) narrowed by the filters."""
        stmt = readable
        if contract_id is not None:
            stmt = stmt.where(ContactRecord.contract_id == contract_id)
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

"""Reads of the SLA input change log (``SlaInputChange``); writes are ``marks``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from metrics.driver import raw_connection
from shared.errors import ValidationFailed
from shared.pagination import PageParams, encode_cursor

# How long a change is kept: a reader that was away longer projects everything again.
KEPT = timedelta(days=2)
# A row's clock is read before its transaction commits: a reader asking for changes after T
# also gets the contracts whose rows are stamped a little before T (and judges a contract once
# per change by comparing stamps, not by trusting the window).
LOOK_BACK = timedelta(minutes=2)


@dataclass(frozen=True)
class ContractChange:
    contract_id: uuid.UUID
    changed_at: datetime


class ChangeLog:
    """Reads of the log, pruning it as it goes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, since: datetime, params: PageParams, *, now: datetime
    ) -> tuple[list[ContractChange], str | None]:
        """Each contract changed after ``since`` with its latest change, oldest latest change
        first (keyset pagination on that change and the contract id)."""
        after: tuple[datetime, uuid.UUID] | tuple[None, None] = (None, None)
        if params.after is not None:
            try:
                at, contract = params.after
                after = (datetime.fromisoformat(at), uuid.UUID(contract))
            except ValueError as exc:
                raise ValidationFailed.on("cursor", "not a cursor for this list") from exc
        conn = await raw_connection(self.session)
        rows = await conn.fetch(
            """
            SELECT contract_id, max(changed_at) AS changed_at
            FROM sla_input_change
            WHERE changed_at > $1
            GROUP BY contract_id
            HAVING $2::timestamptz IS NULL OR (max(changed_at), contract_id) > ($2, $3::uuid)
            ORDER BY 2, 1
            LIMIT $4
            """,
            since,
            *after,
            params.limit + 1,
        )
        await conn.execute("DELETE FROM sla_input_change WHERE changed_at < $1", now - KEPT)
        changes = [ContractChange(r["contract_id"], r["changed_at"]) for r in rows]
        items = changes[: params.limit]
        if len(changes) <= params.limit:
            return items, None
        return items, encode_cursor([items[-1].changed_at.isoformat(), items[-1].contract_id])

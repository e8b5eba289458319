from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.invoice_runs.models import InvoiceRun, InvoiceRunItem, ItemStatus, RunStatus
from shared.pagination import PageParams, keyset, page_from_rows


class InvoiceRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, run_id: uuid.UUID, *, for_update: bool = False) -> InvoiceRun | None:
        stmt = select(InvoiceRun).where(InvoiceRun.id == run_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def unfinished(self, period: str) -> InvoiceRun | None:
        stmt = select(InvoiceRun).where(
            InvoiceRun.period == period, InvoiceRun.status != RunStatus.completed.value
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def running_ids(self) -> list[uuid.UUID]:
        stmt = select(InvoiceRun.id).where(InvoiceRun.status == RunStatus.running.value)
        return list((await self.session.execute(stmt)).scalars())

    async def ids_with_work_left(self, lease_seconds: float) -> list[uuid.UUID]:
        """Running runs that a worker could advance now: not yet enumerated, or with a
        pending item, or with a claim that outlived its lease (its worker was killed)."""
        stale = datetime.now(UTC) - timedelta(seconds=lease_seconds)
        claimable = (
            select(InvoiceRunItem.run_id)
            .where(
                InvoiceRunItem.run_id == InvoiceRun.id,
                (InvoiceRunItem.status == ItemStatus.pending.value)
                | (
                    (InvoiceRunItem.status == ItemStatus.claimed.value)
                    & (InvoiceRunItem.claimed_at <= stale)
                ),
            )
            .exists()
        )
        stmt = select(InvoiceRun.id).where(
            InvoiceRun.status == RunStatus.running.value, ~InvoiceRun.enumerated | claimable
        )
        return list((await self.session.execute(stmt)).scalars())

    async def create(self, run_id: uuid.UUID, period: str, requested_by: str) -> bool:
        """Insert the period's run unless an unfinished one exists (then False)."""
        stmt = (
            insert(InvoiceRun)
            .values(
                id=run_id,
                period=period,
                status="running",
                enumerated=False,
                requested_by=requested_by,
            )
            .on_conflict_do_nothing()
            .returning(InvoiceRun.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def add_items(self, run_id: uuid.UUID, contract_ids: list[uuid.UUID]) -> None:
        if contract_ids:
            await self.session.execute(
                insert(InvoiceRunItem)
                .values(
                    [
                        {"run_id": run_id, "contract_id": c, "status": "pending", "attempts": 0}
                        for c in contract_ids
                    ]
                )
                .on_conflict_do_nothing()
            )

    async def claim(self, run_id: uuid.UUID, worker: str, lease_seconds: float) -> uuid.UUID | None:
        """Take one pending item, or one whose claim outlived its lease (a killed worker's)."""
        stale = datetime.now(UTC) - timedelta(seconds=lease_seconds)
        pending = InvoiceRunItem.status == ItemStatus.pending.value
        stale_claim = (InvoiceRunItem.status == ItemStatus.claimed.value) & (
            InvoiceRunItem.claimed_at <= stale
        )
        # Pending work first; a stale claim only when none is left. Two queries, each the
        # first row of one status in the index, rather than one that sorts the whole run.
        for which in (pending, stale_claim):
            claimed = await self._claim_first(run_id, worker, which)
            if claimed is not None:
                return claimed
        return None

    async def _claim_first(
        self, run_id: uuid.UUID, worker: str, which: ColumnElement[bool]
    ) -> uuid.UUID | None:
        candidate = (
            select(InvoiceRunItem.contract_id)
            .where(InvoiceRunItem.run_id == run_id, which)
            .order_by(InvoiceRunItem.contract_id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        stmt = (
            update(InvoiceRunItem)
            .where(InvoiceRunItem.run_id == run_id, InvoiceRunItem.contract_id == candidate)
            .values(
                status=ItemStatus.claimed.value,
                claimed_by=worker,
                claimed_at=func.now(),
                attempts=InvoiceRunItem.attempts + 1,
            )
            .returning(InvoiceRunItem.contract_id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def finish_item(
        self,
        run_id: uuid.UUID,
        contract_id: uuid.UUID,
        worker: str,
        status: ItemStatus,
        reason: str | None,
        invoice_id: uuid.UUID | None,
    ) -> bool:
        """Record the outcome, if this worker still holds the claim."""
        stmt = (
            update(InvoiceRunItem)
            .where(
                InvoiceRunItem.run_id == run_id,
                InvoiceRunItem.contract_id == contract_id,
                InvoiceRunItem.claimed_by == worker,
                InvoiceRunItem.status == ItemStatus.claimed.value,
            )
            .values(status=status.value, reason=reason, invoice_id=invoice_id)
            .returning(InvoiceRunItem.contract_id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def retry_failed(self, run_id: uuid.UUID) -> None:
        await self.session.execute(
            update(InvoiceRunItem)
            .where(InvoiceRunItem.run_id == run_id, InvoiceRunItem.status == "failed")
            .values(status=ItemStatus.pending.value)
        )

    async def counts(self, run_id: uuid.UUID) -> dict[str, int]:
        stmt = (
            select(InvoiceRunItem.status, func.count())
            .where(InvoiceRunItem.run_id == run_id)
            .group_by(InvoiceRunItem.status)
        )
        return {status: int(n) for status, n in (await self.session.execute(stmt)).all()}

    async def items(
        self, run_id: uuid.UUID, params: PageParams, status: str | None
    ) -> tuple[list[InvoiceRunItem], str | None]:
        stmt = select(InvoiceRunItem).where(InvoiceRunItem.run_id == run_id)
        if status:
            stmt = stmt.where(InvoiceRunItem.status == status)
        rows = (
            (await self.session.execute(keyset(stmt, params, [InvoiceRunItem.contract_id])))
            .scalars()
            .all()
        )
        return page_from_rows(rows, params, ("contract_id",))

    async def list_runs(
        self, params: PageParams, period: str | None
    ) -> tuple[list[InvoiceRun], str | None]:
        stmt = select(InvoiceRun)
        if period:
            stmt = stmt.where(InvoiceRun.period == period)
        rows = (await self.session.execute(keyset(stmt, params, [InvoiceRun.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))

    async def flush(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()

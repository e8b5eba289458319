from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.events.models import OutboxEvent
from billing.invoices.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberCounter,
    Payment,
)
from shared.pagination import PageParams, keyset, page_from_rows


@dataclass(frozen=True)
class InvoiceFilter:
    client_id: uuid.UUID | None = None
    contract_id: uuid.UUID | None = None
    status: InvoiceStatus | None = None
    period: str | None = None
    number: str | None = None


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, invoice_id: uuid.UUID, *, for_update: bool = False) -> Invoice | None:
        stmt = select(Invoice).where(Invoice.id == invoice_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find_open(
        self, contract_id: uuid.UUID, period: str, *, for_update: bool = False
    ) -> Invoice | None:
        """The non-void invoice of a contract and period (at most one, by the unique index)."""
        stmt = select(Invoice).where(
            Invoice.contract_id == contract_id,
            Invoice.period == period,
            Invoice.status != InvoiceStatus.void,
        )
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def insert_draft(self, values: dict[str, Any]) -> None:
        """Insert a draft unless a concurrent writer got there first (then nothing happens)."""
        stmt = (
            insert(Invoice)
            .values(id=values.pop("id"), status=InvoiceStatus.draft.value, **values)
            .on_conflict_do_nothing(
                index_elements=["contract_id", "period"], index_where=text("status <> 'void'")
            )
        )
        await self.session.execute(stmt)

    async def lines(self, invoice_id: uuid.UUID) -> list[InvoiceLine]:
        stmt = (
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice_id)
            .order_by(InvoiceLine.position)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def replace_lines(self, invoice_id: uuid.UUID, lines: list[InvoiceLine]) -> None:
        await self.session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id))
        self.session.add_all(lines)
        await self.session.flush()

    async def billed_one_time_keys(self, contract_id: uuid.UUID, period: str) -> set[str]:
        """One-time charges already on another non-void invoice of the contract."""
        stmt = (
            select(InvoiceLine.charge_key)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(
                Invoice.contract_id == contract_id,
                Invoice.period != period,
                Invoice.status != InvoiceStatus.void,
                InvoiceLine.kind == "one_time",
            )
        )
        return {k for k in (await self.session.execute(stmt)).scalars() if k}

    async def issued_one_time_charges(
        self, contract_id: uuid.UUID
    ) -> list[tuple[str, uuid.UUID, str | None]]:
        """(charge key, invoice id, invoice number) of the one-time charges on the contract's
        issued or paid invoices, oldest issue first."""
        stmt = (
            select(InvoiceLine.charge_key, Invoice.id, Invoice.number)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(
                Invoice.contract_id == contract_id,
                Invoice.status.in_([InvoiceStatus.issued, InvoiceStatus.paid]),
                InvoiceLine.kind == "one_time",
            )
            .order_by(Invoice.issue_date, Invoice.number)
        )
        return [(k, i, n) for k, i, n in (await self.session.execute(stmt)).all() if k]

    async def issued_pdf(self, document: Invoice | CreditNote) -> bytes | None:
        await self.session.refresh(document, ["issued_pdf"])
        return document.issued_pdf

    async def lock_series(self, operator_id: uuid.UUID, kind: str, year: int) -> date | None:
        """Lock the number series (operator, INV or CN, year) until the transaction ends and
        return the latest issue date given in it. A rollback gives everything back."""
        await self.session.execute(
            insert(NumberCounter)
            .values(operator_id=operator_id, kind=kind, year=year, last_value=0)
            .on_conflict_do_nothing(index_elements=["operator_id", "kind", "year"])
        )
        stmt = (
            select(NumberCounter.last_issue_date)
            .where(
                NumberCounter.operator_id == operator_id,
                NumberCounter.kind == kind,
                NumberCounter.year == year,
            )
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalar_one()

    async def next_number(self, operator_id: uuid.UUID, kind: str, issue_date: date) -> int:
        """The next gapless number of a series locked by ``lock_series``."""
        stmt = (
            update(NumberCounter)
            .where(
                NumberCounter.operator_id == operator_id,
                NumberCounter.kind == kind,
                NumberCounter.year == issue_date.year,
            )
            .values(
                last_value=NumberCounter.last_value + 1,
                last_issue_date=func.greatest(NumberCounter.last_issue_date, issue_date),
            )
            .returning(NumberCounter.last_value)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def list_invoices(
        self, filters: InvoiceFilter, params: PageParams
    ) -> tuple[list[Invoice], str | None]:
        stmt = select(Invoice)
        if filters.client_id:
            stmt = stmt.where(Invoice.client_id == filters.client_id)
        if filters.contract_id:
            stmt = stmt.where(Invoice.contract_id == filters.contract_id)
        if filters.status:
            stmt = stmt.where(Invoice.status == filters.status)
        if filters.period:
            stmt = stmt.where(Invoice.period == filters.period)
        if filters.number:
            stmt = stmt.where(Invoice.number == filters.number)
        rows = (await self.session.execute(keyset(stmt, params, [Invoice.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))

    async def credit_notes(self, invoice_id: uuid.UUID) -> list[CreditNote]:
        stmt = select(CreditNote).where(CreditNote.invoice_id == invoice_id).order_by(CreditNote.id)
        return list((await self.session.execute(stmt)).scalars())

    async def credit_note(self, credit_note_id: uuid.UUID) -> CreditNote | None:
        return await self.session.get(CreditNote, credit_note_id)

    async def credit_note_lines(self, credit_note_id: uuid.UUID) -> list[CreditNoteLine]:
        stmt = (
            select(CreditNoteLine)
            .where(CreditNoteLine.credit_note_id == credit_note_id)
            .order_by(CreditNoteLine.position)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def credit_note_lines_of(self, note_ids: list[uuid.UUID]) -> list[CreditNoteLine]:
        if not note_ids:
            return []
        stmt = (
            select(CreditNoteLine)
            .where(CreditNoteLine.credit_note_id.in_(note_ids))
            .order_by(CreditNoteLine.credit_note_id, CreditNoteLine.position)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def credited_by_line(self, invoice_id: uuid.UUID) -> dict[str, Any]:
        stmt = (
            select(CreditNoteLine.invoice_line_key, func.sum(CreditNoteLine.amount))
            .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
            .where(CreditNote.invoice_id == invoice_id)
            .group_by(CreditNoteLine.invoice_line_key)
        )
        return {k: v for k, v in (await self.session.execute(stmt)).all() if k}

    async def list_credit_notes(
        self,
        params: PageParams,
        *,
        client_id: uuid.UUID | None,
        invoice_id: uuid.UUID | None,
    ) -> tuple[list[CreditNote], str | None]:
        stmt = select(CreditNote)
        if client_id:
            stmt = stmt.where(CreditNote.client_id == client_id)
        if invoice_id:
            stmt = stmt.where(CreditNote.invoice_id == invoice_id)
        rows = (await self.session.execute(keyset(stmt, params, [CreditNote.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))

    async def payments_of(self, invoice_id: uuid.UUID) -> list[Payment]:
        stmt = select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)
        return list((await self.session.execute(stmt)).scalars())

    async def payment(self, payment_id: uuid.UUID) -> Payment | None:
        return await self.session.get(Payment, payment_id)

    async def list_payments(
        self,
        params: PageParams,
        *,
        client_id: uuid.UUID | None,
        invoice_id: uuid.UUID | None,
    ) -> tuple[list[Payment], str | None]:
        stmt = select(Payment)
        if client_id:
            stmt = stmt.where(Payment.client_id == client_id)
        if invoice_id:
            stmt = stmt.where(Payment.invoice_id == invoice_id)
        rows = (await self.session.execute(keyset(stmt, params, [Payment.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))

    async def add(self, *rows: object) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()

    async def emit(
        self, type_: str, subject_id: uuid.UUID, client_id: uuid.UUID, payload: dict[str, Any]
    ) -> None:
        """An outbox event in the current transaction: it exists only if the work commits."""
        self.session.add(
            OutboxEvent(type=type_, subject_id=subject_id, client_id=client_id, payload=payload)
        )
        await self.session.flush()

"""Client credit balances and refunds.

A credit note may credit more than its invoice still has due (the invoice was paid, or partly
paid, or already reduced by earlier credit). The excess never becomes a negative balance on the
invoice: it goes to the client's credit balance in the invoice's currency (the default) or to a
refund due, as the credit-note request chooses. The balance is applied, oldest credit first,
when the client's next invoice in that currency is issued. Every movement is a ledger entry
naming its credit note, written under a per-client-and-currency lock, with its outbox event in
the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from billing.credit_balances.models import CreditEntry, CreditEntryKind, Refund, RefundStatus
from billing.credit_balances.repository import CreditBalanceRepository
from billing.credit_balances.schemas import (
    CreditBalanceRead,
    CreditEntryRead,
    CurrencyBalance,
    RefundPaid,
    RefundRead,
)
from billing.invoices.models import CreditNote, Invoice
from billing.invoices.repository import InvoiceRepository
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.money import round_money
from shared.pagination import PageParams

ZERO = Decimal(0)
EXCESS_TO_CREDIT_BALANCE = "credit_balance"
EXCESS_TO_REFUND = "refund"


class RefundNotFound(NotFound):
    title = "Refund not found"


class RefundConflict(Conflict):
    title = "The refund is already recorded as paid"


def entry_read(entry: CreditEntry) -> CreditEntryRead:
    read = CreditEntryRead.model_validate(entry)
    return read.model_copy(
        update={
            "amount": round_money(entry.amount, entry.currency),
            "balance_after": round_money(entry.balance_after, entry.currency),
        }
    )


def refund_read(refund: Refund) -> RefundRead:
    read = RefundRead.model_validate(refund)
    return read.model_copy(update={"amount": round_money(refund.amount, refund.currency)})


async def move_excess(
    balances: CreditBalanceRepository,
    invoices: InvoiceRepository,
    invoice: Invoice,
    note: CreditNote,
) -> None:
    """Put ``note.excess`` where ``note.excess_to`` says: the client's credit balance or a
    refund due (the caller holds the invoice's lock and has set both)."""
    if note.excess <= 0:
        return
    if note.excess_to == EXCESS_TO_REFUND:
        refund = Refund(
            operator_id=invoice.operator_id,
            client_id=invoice.client_id,
            currency=invoice.currency,
            amount=note.excess,
            credit_note_id=note.id,
            credit_note_number=note.number,
            invoice_id=invoice.id,
            status=RefundStatus.due,
        )
        await balances.add(refund)
        await invoices.emit(
            "refund.due", refund.id, refund.client_id, refund_read(refund).model_dump(mode="json")
        )
        return
    await balances.lock(invoice.client_id, invoice.currency)
    before = await balances.balance(invoice.client_id, invoice.currency)
    entry = CreditEntry(
        operator_id=invoice.operator_id,
        client_id=invoice.client_id,
        currency=invoice.currency,
        kind=CreditEntryKind.credit_note,
        amount=note.excess,
        balance_after=before + note.excess,
        credit_note_id=note.id,
        credit_note_number=note.number,
        invoice_id=invoice.id,
        invoice_number=invoice.number,
    )
    await balances.add(entry)
    await invoices.emit(
        "credit_balance.credited",
        note.id,
        invoice.client_id,
        entry_read(entry).model_dump(mode="json"),
    )


async def apply_credit_balance(
    balances: CreditBalanceRepository, invoices: InvoiceRepository, invoice: Invoice
) -> list[CreditEntry]:
    """Reduce what the invoice being issued asks for by the client's credit balance in its
    currency, drawing on the oldest credit notes first; one ledger entry per credit note used."""
    if invoice.balance <= 0:
        return []
    await balances.lock(invoice.client_id, invoice.currency)
    before = await balances.balance(invoice.client_id, invoice.currency)
    if before <= 0:
        return []
    wanted = min(before, invoice.balance)
    entries: list[CreditEntry] = []
    for note_id, note_number, left in await balances.open_credits(
        invoice.client_id, invoice.currency
    ):
        if wanted <= 0:
            break
        take = min(left, wanted)
        wanted -= take
        before -= take
        entries.append(
            CreditEntry(
                operator_id=invoice.operator_id,
                client_id=invoice.client_id,
                currency=invoice.currency,
                kind=CreditEntryKind.applied,
                amount=-take,
                balance_after=before,
                credit_note_id=note_id,
                credit_note_number=note_number,
                invoice_id=invoice.id,
                invoice_number=invoice.number,
            )
        )
    if not entries:
        return []
    await balances.add(*entries)
    applied = -sum((e.amount for e in entries), ZERO)
    invoice.credit_applied += applied
    await invoices.flush()
    payload: dict[str, Any] = {
        "invoice_id": str(invoice.id),
        "invoice_number": invoice.number,
        "client_id": str(invoice.client_id),
        "currency": invoice.currency,
        "amount": str(round_money(applied, invoice.currency)),
        "balance_after": str(round_money(before, invoice.currency)),
        "credit_notes": [
            {
                "id": str(e.credit_note_id),
                "number": e.credit_note_number,
                "amount": str(round_money(-e.amount, invoice.currency)),
            }
            for e in entries
        ],
    }
    await invoices.emit("credit_balance.applied", invoice.id, invoice.client_id, payload)
    return entries


class CreditBalanceService:
    def __init__(self, balances: CreditBalanceRepository, invoices: InvoiceRepository) -> None:
        self.balances = balances
        self.invoices = invoices

    def _check_client(self, principal: Principal, client_id: uuid.UUID) -> None:
        if not principal.can_see_client(client_id):
            raise NotFound(f"no client {client_id}")

    async def balance(self, principal: Principal, client_id: uuid.UUID) -> CreditBalanceRead:
        self._check_client(principal, client_id)
        return CreditBalanceRead(
            client_id=client_id,
            balances=[
                CurrencyBalance(currency=c, balance=round_money(b, c))
                for c, b in await self.balances.balances(client_id)
            ],
        )

    async def entries(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        currency: str | None,
        params: PageParams,
    ) -> tuple[list[CreditEntryRead], str | None]:
        self._check_client(principal, client_id)
        rows, cursor = await self.balances.entries(params, client_id=client_id, currency=currency)
        return [entry_read(e) for e in rows], cursor

    async def refunds(
        self,
        principal: Principal,
        params: PageParams,
        client_id: uuid.UUID | None,
        status: RefundStatus | None,
    ) -> tuple[list[RefundRead], str | None]:
        tenant = principal.tenant_client_id
        if tenant is not None:
            if client_id not in (None, tenant):
                return [], None
            client_id = tenant
        rows, cursor = await self.balances.refunds(params, client_id=client_id, status=status)
        return [refund_read(r) for r in rows], cursor

    async def _visible_refund(
        self, principal: Principal, refund_id: uuid.UUID, *, for_update: bool = False
    ) -> Refund:
        refund = await self.balances.refund(refund_id, for_update=for_update)
        if refund is None or not principal.can_see_client(refund.client_id):
            raise RefundNotFound(f"no refund {refund_id}")
        return refund

    async def refund(self, principal: Principal, refund_id: uuid.UUID) -> RefundRead:
        return refund_read(await self._visible_refund(principal, refund_id))

    async def mark_refunded(
        self, principal: Principal, refund_id: uuid.UUID, data: RefundPaid
    ) -> RefundRead:
        """Record that the money went back. Recording the same reference and date again
        answers the refund as it is; a different one is a conflict (it was already paid)."""
        refund = await self._visible_refund(principal, refund_id, for_update=True)
        if refund.status is RefundStatus.refunded:
            if (refund.reference, refund.refunded_on) == (data.reference, data.refunded_on):
                return refund_read(refund)
            raise RefundConflict(
                f"refund {refund_id} was recorded as paid on {refund.refunded_on} "
                f"(reference {refund.reference})"
            )
        refund.status = RefundStatus.refunded
        refund.reference = data.reference
        refund.refunded_on = data.refunded_on
        refund.refunded_at = datetime.now(UTC)
        refund.refunded_by = principal.subject
        await self.invoices.flush()
        read = refund_read(refund)
        await self.invoices.emit(
            "refund.refunded", refund.id, refund.client_id, read.model_dump(mode="json")
        )
        return read

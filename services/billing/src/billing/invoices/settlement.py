"""Settling issued invoices: payments (full or partial) and credit notes (full or partial,
numbered like invoices). Each takes the invoice's row lock and writes its outbox event in the
same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from billing.credit_balances.repository import CreditBalanceRepository
from billing.credit_balances.service import move_excess
from billing.errors import CreditNoteNotFound, InvoiceNotFound, InvoiceStateConflict
from billing.invoices.documents import PdfRenderer
from billing.invoices.models import CreditNote, CreditNoteLine, Invoice, InvoiceStatus, Payment
from billing.invoices.numbering import number_for
from billing.invoices.repository import InvoiceRepository
from billing.invoices.schemas import (
    CreditNoteCreate,
    CreditNoteLineRead,
    CreditNoteRead,
    PaymentCreate,
    PaymentRead,
)
from billing.invoices.service import InvoiceService, event_payload, visible_invoice
from shared.auth import Principal
from shared.errors import ValidationFailed
from shared.money import money_text, round_money
from shared.pagination import PageParams

ZERO = Decimal(0)


class SettlementService:
    def __init__(
        self,
        repository: InvoiceRepository,
        invoices: InvoiceService | None = None,
        pdfs: PdfRenderer | None = None,
    ) -> None:
        self.pdfs = pdfs or PdfRenderer()
        self.invoices = invoices
        self.repository = repository

    async def _visible(
        self, principal: Principal, invoice_id: uuid.UUID, *, for_update: bool = False
    ) -> Invoice:
        return await visible_invoice(self.repository, principal, invoice_id, for_update)

    async def pay(self, principal: Principal, data: PaymentCreate) -> Payment:
        try:
            invoice = await self._visible(principal, data.invoice_id, for_update=True)
        except InvoiceNotFound as exc:
            raise ValidationFailed.on("invoice_id", "no such invoice") from exc
        if invoice.status is not InvoiceStatus.issued:
            raise InvoiceStateConflict(
                f"payments are recorded against issued invoices; this one is {invoice.status.value}"
            )
        amount = data.amount
        if amount != round_money(amount, invoice.currency):
            raise ValidationFailed.on(
                "amount", f"more decimals than {invoice.currency} has minor units"
            )
        if amount > invoice.balance:
            raise ValidationFailed.on(
                "amount",
                f"exceeds the balance due ({money_text(invoice.balance, invoice.currency)} "
                f"{invoice.currency})",
            )
        payment = Payment(
            invoice_id=invoice.id,
            client_id=invoice.client_id,
            amount=amount,
            currency=invoice.currency,
            received_on=data.received_on,
            reference=data.reference,
            method=data.method,
            created_by=principal.subject,
        )
        invoice.amount_paid += amount
        invoice.revision += 1
        await self.repository.add(payment)
        if invoice.balance == 0:
            invoice.status = InvoiceStatus.paid
            invoice.paid_at = datetime.now(UTC)
            await self.repository.flush()
            await self.repository.emit(
                "invoice.paid", invoice.id, invoice.client_id, event_payload(invoice)
            )
        return payment

    async def get_payment(self, principal: Principal, payment_id: uuid.UUID) -> Payment:
        payment = await self.repository.payment(payment_id)
        if payment is None or not principal.can_see_client(payment.client_id):
            raise InvoiceNotFound(f"no payment {payment_id}")
        return payment

    # --- credit notes ---

    async def credit(self, principal: Principal, data: CreditNoteCreate) -> CreditNoteRead:
        try:
            invoice = await self._visible(principal, data.invoice_id, for_update=True)
        except InvoiceNotFound as exc:
            raise ValidationFailed.on("invoice_id", "no such invoice") from exc
        if invoice.status not in (InvoiceStatus.issued, InvoiceStatus.paid):
            raise InvoiceStateConflict(
                f"credit notes correct issued invoices; this one is {invoice.status.value}"
            )
        lines = await self.repository.lines(invoice.id)
        cur = invoice.currency
        parts: list[tuple[str | None, str, Decimal]]
        if data.lines is None:
            if invoice.amount_credited > 0:
                raise ValidationFailed.on(
                    "lines", "the invoice is already partly credited; credit the rest by lines"
                )
            parts = [(ln.key, ln.description, ln.amount) for ln in lines]
            subtotal, tax = invoice.subtotal, invoice.tax
        else:
            by_key = {ln.key: ln for ln in lines}
            credited = await self.repository.credited_by_line(invoice.id)
            parts = []
            for i, item in enumerate(data.lines):
                if item.amount != round_money(item.amount, cur):
                    raise ValidationFailed.on(
                        f"lines[{i}].amount", f"more decimals than {cur} has minor units"
                    )
                key = item.invoice_line_key
                if key is not None:
                    line = by_key.get(key)
                    if line is None:
                        raise ValidationFailed.on(
                            f"lines[{i}].invoice_line_key", "no such line on the invoice"
                        )
                    room = line.amount - credited.get(key, ZERO)
                    if item.amount > room:
                        raise ValidationFailed.on(
                            f"lines[{i}].amount",
                            f"more than the line's creditable {money_text(room, cur)}",
                        )
                    credited[key] = credited.get(key, ZERO) + item.amount
                description = item.description or (by_key[key].description if key else "Adjustment")
                if not description:
                    raise ValidationFailed.on(f"lines[{i}].description", "required")
                parts.append((key, description, item.amount))
            subtotal = sum((p[2] for p in parts), ZERO)
            rate = invoice.tax_rate_percent
            tax = round_money(subtotal * rate / 100, cur) if rate else round_money(ZERO, cur)
        total = subtotal + tax
        if invoice.amount_credited + total > invoice.total:
            raise ValidationFailed.on(
                "lines",
                f"credits would exceed the invoice total ({money_text(invoice.total, cur)}; "
                f"already credited {money_text(invoice.amount_credited, cur)})",
            )
        # Beyond what the invoice still has due (it was paid, or credited before), the note's
        # excess goes to the client's credit balance or a refund: never a negative balance.
        excess = max(ZERO, total - max(ZERO, invoice.balance))
        number, issue_date = await number_for(
            self.repository, invoice.operator_id, "CN", data.issue_date,
            not_before=invoice.issue_date,
        )  # fmt: skip
        note = CreditNote(
            invoice_id=invoice.id,
            operator_id=invoice.operator_id,
            client_id=invoice.client_id,
            contract_id=invoice.contract_id,
            number=number,
            reason=data.reason,
            full=data.lines is None,
            currency=cur,
            subtotal=subtotal,
            tax=tax,
            total=total,
            issue_date=issue_date,
            excess=excess,
            excess_to=data.excess if excess > 0 else None,
            created_by=principal.subject,
        )
        await self.repository.add(note)
        note_lines = [
            CreditNoteLine(
                credit_note_id=note.id,
                position=i,
                invoice_line_key=key,
                description=description,
                amount=amount,
            )
            for i, (key, description, amount) in enumerate(parts, start=1)
        ]
        await self.repository.add(*note_lines)
        invoice.amount_credited += total
        invoice.credit_excess += excess
        invoice.revision += 1
        await self.repository.flush()
        await move_excess(CreditBalanceRepository(self.repository.session), self.repository,
                          invoice, note)  # fmt: skip
        read = _note_read(note, note_lines)
        if self.invoices is not None:  # the credit note as issued, frozen like an invoice
            note.issued_pdf = await self.pdfs.credit_note(read, await self.invoices.read(invoice))
            await self.repository.flush()
        await self.repository.emit(
            "credit_note.issued",
            note.id,
            note.client_id,
            {**read.model_dump(mode="json"), "invoice_number": invoice.number},
        )
        return read

    async def list_credit_notes(
        self,
        principal: Principal,
        params: PageParams,
        client_id: uuid.UUID | None,
        invoice_id: uuid.UUID | None,
    ) -> tuple[list[CreditNoteRead], str | None]:
        allowed, scoped = _scope(principal, client_id)
        if not allowed:
            return [], None
        notes, cursor = await self.repository.list_credit_notes(
            params, client_id=scoped, invoice_id=invoice_id
        )
        lines = await self.repository.credit_note_lines_of([n.id for n in notes])
        return [_note_read(n, [ln for ln in lines if ln.credit_note_id == n.id]) for n in notes], (
            cursor
        )

    async def list_payments(
        self,
        principal: Principal,
        params: PageParams,
        client_id: uuid.UUID | None,
        invoice_id: uuid.UUID | None,
    ) -> tuple[list[Payment], str | None]:
        allowed, scoped = _scope(principal, client_id)
        if not allowed:
            return [], None
        return await self.repository.list_payments(params, client_id=scoped, invoice_id=invoice_id)

    async def get_credit_note(self, principal: Principal, note_id: uuid.UUID) -> CreditNoteRead:
        note = await self._visible_note(principal, note_id)
        return _note_read(note, await self.repository.credit_note_lines(note.id))

    async def _visible_note(self, principal: Principal, note_id: uuid.UUID) -> CreditNote:
        note = await self.repository.credit_note(note_id)
        if note is None or not principal.can_see_client(note.client_id):
            raise CreditNoteNotFound(f"no credit note {note_id}")
        return note

    async def credit_note_pdf(self, principal: Principal, note_id: uuid.UUID) -> tuple[str, bytes]:
        """(file name, PDF) of a credit note as issued (rendered now if it predates that)."""
        note = await self._visible_note(principal, note_id)
        frozen = await self.repository.issued_pdf(note)
        if frozen is None:
            assert self.invoices is not None
            invoice = await self.repository.get(note.invoice_id)
            assert invoice is not None
            read = _note_read(note, await self.repository.credit_note_lines(note.id))
            frozen = await self.pdfs.credit_note(read, await self.invoices.read(invoice))
        return note.number, frozen


def _scope(principal: Principal, client_id: uuid.UUID | None) -> tuple[bool, uuid.UUID | None]:
    """The client filter a caller may use: its own for a tenant; (False, _) when a tenant
    asked for another client's (an empty answer, as if there were none)."""
    if principal.tenant_client_id is None:
        return True, client_id
    if client_id not in (None, principal.tenant_client_id):
        return False, None
    return True, principal.tenant_client_id


def _note_read(note: CreditNote, lines: list[CreditNoteLine]) -> CreditNoteRead:
    cur = note.currency
    data = {k: getattr(note, k) for k in CreditNoteRead.model_fields if k != "lines"}
    for field in ("subtotal", "tax", "total", "excess"):
        data[field] = round_money(data[field], cur)
    items = []
    for ln in lines:
        item = CreditNoteLineRead.model_validate(ln).model_dump()
        item["amount"] = round_money(ln.amount, cur)
        items.append(item)
    return CreditNoteRead.model_validate({**data, "lines": items})


def payment_read(payment: Payment) -> PaymentRead:
    read = PaymentRead.model_validate(payment)
    return read.model_copy(update={"amount": round_money(payment.amount, payment.currency)})

"""Invoice lifecycle: draft -> issued -> paid, or void; credit notes; payments.

Every state change takes the invoice's row lock first and re-checks the state under it.
Numbers are given only at issue, from a per-operator, per-year counter incremented in the same
transaction (so they are gapless). Events go to the outbox in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from billing.errors import CreditNoteNotFound, InvoiceNotFound, InvoiceStateConflict
from billing.invoices.drafting import Drafter, DraftResult
from billing.invoices.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceStatus,
    Payment,
)
from billing.invoices.repository import InvoiceFilter, InvoiceRepository
from billing.invoices.schemas import (
    CreditNoteCreate,
    CreditNoteLineRead,
    CreditNoteRead,
    DocumentRef,
    InvoiceIssue,
    InvoiceRead,
    InvoiceSummary,
    LineRead,
    PaymentCreate,
    PaymentRead,
)
from billing.pricing.periods import Period
from shared.auth import Principal
from shared.errors import ValidationFailed
from shared.money import round_money
from shared.pagination import PageParams

ZERO = Decimal(0)


MONEY_FIELDS = (
    "subtotal",
    "tax",
    "total",
    "amount_paid",
    "amount_credited",
    "balance",
    "credit_base",
)


def plain(value: Decimal | None) -> Decimal | None:
    """``10.0000`` -> ``10``, ``0E-10`` -> ``0``, ``2345.7000`` -> ``2345.7`` (never exponents)."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return Decimal(text)


def invoice_number(year: int, n: int) -> str:
    return f"INV-{year}-{n:06d}"


def credit_note_number(year: int, n: int) -> str:
    return f"CN-{year}-{n:06d}"


class InvoiceService:
    def __init__(self, repository: InvoiceRepository, drafter: Drafter) -> None:
        self.repository = repository
        self.drafter = drafter

    async def draft(self, principal: Principal, contract_id: uuid.UUID, period: str) -> DraftResult:
        return await self.drafter.draft(
            contract_id, Period.parse(period), principal=principal, token=principal.token
        )

    async def _visible(
        self, principal: Principal, invoice_id: uuid.UUID, *, for_update: bool = False
    ) -> Invoice:
        invoice = await self.repository.get(invoice_id, for_update=for_update)
        if invoice is None or not principal.can_see_client(invoice.client_id):
            raise InvoiceNotFound(f"no invoice {invoice_id}")
        return invoice

    async def get(self, principal: Principal, invoice_id: uuid.UUID) -> InvoiceRead:
        return await self.read(await self._visible(principal, invoice_id))

    @staticmethod
    def summary(invoice: Invoice) -> InvoiceSummary:
        data = {k: getattr(invoice, k) for k in InvoiceSummary.model_fields}
        for field in MONEY_FIELDS:
            if field in data:
                data[field] = round_money(data[field], invoice.currency)
        data["tax_rate_percent"] = plain(invoice.tax_rate_percent)
        return InvoiceSummary.model_validate(data)

    async def read(self, invoice: Invoice) -> InvoiceRead:
        """The invoice as JSON, every figure in one canonical form whether it was just
        computed or read back from ``numeric`` columns: amounts at the currency's minor unit,
        quantities, prices and rates without trailing zeros."""
        cur = invoice.currency
        lines = await self.repository.lines(invoice.id)
        skip = ("lines", "credit_notes", "payments")
        data = {k: getattr(invoice, k) for k in InvoiceRead.model_fields if k not in skip}
        data["credit_notes"] = [
            DocumentRef(
                id=n.id, number=n.number, date=n.issue_date, amount=round_money(n.total, cur)
            )
            for n in await self.repository.credit_notes(invoice.id)
        ]
        data["payments"] = [
            DocumentRef(
                id=p.id,
                date=p.received_on,
                amount=round_money(p.amount, cur),
                reference=p.reference,
            )
            for p in await self.repository.payments_of(invoice.id)
        ]
        for field in MONEY_FIELDS:
            data[field] = round_money(data[field], cur)
        data["tax_rate_percent"] = plain(invoice.tax_rate_percent)
        data["at_risk"] = plain(invoice.at_risk)
        out = []
        for line in lines:
            item = LineRead.model_validate(line).model_dump()
            item["amount"] = round_money(line.amount, cur)
            item["quantity"] = plain(line.quantity)
            item["unit_price"] = plain(line.unit_price)
            out.append(item)
        return InvoiceRead.model_validate({**data, "lines": out})

    async def list_invoices(
        self, principal: Principal, filters: InvoiceFilter, params: PageParams
    ) -> tuple[list[Invoice], str | None]:
        if principal.tenant_client_id is not None:
            if filters.client_id not in (None, principal.tenant_client_id):
                return [], None
            filters = InvoiceFilter(**{**filters.__dict__, "client_id": principal.tenant_client_id})
        return await self.repository.list_invoices(filters, params)

    async def issue(
        self, principal: Principal, invoice_id: uuid.UUID, data: InvoiceIssue
    ) -> Invoice:
        invoice = await self._visible(principal, invoice_id, for_update=True)
        if invoice.status is not InvoiceStatus.draft:
            raise InvoiceStateConflict(
                f"only a draft can be issued; this invoice is {invoice.status.value}",
                allowed=["draft"],
            )
        issue_date = data.issue_date or datetime.now(UTC).date()
        n = await self.repository.next_number(invoice.operator_id, "INV", issue_date.year)
        invoice.number = invoice_number(issue_date.year, n)
        invoice.status = InvoiceStatus.issued
        invoice.issue_date = issue_date
        invoice.due_date = issue_date + timedelta(days=invoice.payment_terms_days)
        invoice.issued_at = datetime.now(UTC)
        invoice.revision += 1
        await self.repository.flush()
        await self.repository.emit(
            "invoice.issued", invoice.id, invoice.client_id, _event_payload(invoice)
        )
        return invoice

    async def void(self, principal: Principal, invoice_id: uuid.UUID, reason: str) -> Invoice:
        invoice = await self._visible(principal, invoice_id, for_update=True)
        if invoice.status not in (InvoiceStatus.draft, InvoiceStatus.issued):
            raise InvoiceStateConflict(f"a {invoice.status.value} invoice cannot be voided")
        if invoice.amount_paid > 0 or invoice.amount_credited > 0:
            raise InvoiceStateConflict(
                "an invoice with payments or credit notes cannot be voided; issue a credit note"
            )
        invoice.status = InvoiceStatus.void
        invoice.void_reason = reason
        invoice.voided_at = datetime.now(UTC)
        invoice.revision += 1
        await self.repository.flush()
        if invoice.number:
            await self.repository.emit(
                "invoice.voided", invoice.id, invoice.client_id, _event_payload(invoice)
            )
        return invoice

    # --- payments ---

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
                "amount", f"exceeds the balance due ({invoice.balance} {invoice.currency})"
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
                "invoice.paid", invoice.id, invoice.client_id, _event_payload(invoice)
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
                            f"lines[{i}].amount", f"more than the line's creditable {room}"
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
                f"credits would exceed the invoice total ({invoice.total}; "
                f"already credited {invoice.amount_credited})",
            )
        issue_date = data.issue_date or datetime.now(UTC).date()
        n = await self.repository.next_number(invoice.operator_id, "CN", issue_date.year)
        note = CreditNote(
            invoice_id=invoice.id,
            operator_id=invoice.operator_id,
            client_id=invoice.client_id,
            contract_id=invoice.contract_id,
            number=credit_note_number(issue_date.year, n),
            reason=data.reason,
            full=data.lines is None,
            currency=cur,
            subtotal=subtotal,
            tax=tax,
            total=total,
            issue_date=issue_date,
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
        invoice.revision += 1
        await self.repository.flush()
        read = _note_read(note, note_lines)
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
        note = await self.repository.credit_note(note_id)
        if note is None or not principal.can_see_client(note.client_id):
            raise CreditNoteNotFound(f"no credit note {note_id}")
        return _note_read(note, await self.repository.credit_note_lines(note.id))


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
    for field in ("subtotal", "tax", "total"):
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


def _event_payload(invoice: Invoice) -> dict[str, Any]:
    def s(v: Any) -> Any:
        return str(v) if isinstance(v, Decimal | date | uuid.UUID) else v

    fields = (
        "id",
        "number",
        "status",
        "client_id",
        "contract_id",
        "period",
        "currency",
        "subtotal",
        "tax",
        "total",
        "amount_paid",
        "amount_credited",
        "issue_date",
        "due_date",
    )
    out = {f: s(getattr(invoice, f)) for f in fields}
    out["status"] = invoice.status.value
    out["balance"] = str(invoice.balance)
    return out

"""Invoice lifecycle: draft -> issued -> paid, or void; credit notes; payments.

Every state change takes the invoice's row lock first and re-checks the state under it.
Numbers are given only at issue, from a per-operator, per-year counter incremented in the same
transaction (so they are gapless). Events go to the outbox in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from billing.credit_balances.repository import CreditBalanceRepository
from billing.credit_balances.service import apply_credit_balance
from billing.errors import InvoiceNotFound, InvoiceStateConflict
from billing.invoices.documents import PdfRenderer
from billing.invoices.drafting import Drafter, DraftResult
from billing.invoices.models import (
    Invoice,
    InvoiceStatus,
)
from billing.invoices.numbering import number_for
from billing.invoices.repository import InvoiceFilter, InvoiceRepository
from billing.invoices.schemas import (
    DocumentRef,
    InvoiceIssue,
    InvoiceRead,
    InvoiceSummary,
    LineRead,
)
from billing.pricing.periods import Period
from shared.auth import Principal
from shared.money import money_text, round_money
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
    "credit_applied",
)


def plain(value: Decimal | None) -> Decimal | None:
    """``10.0000`` -> ``10``, ``0E-10`` -> ``0``, ``2345.7000`` -> ``2345.7`` (never exponents)."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return Decimal(text)


class InvoiceService:
    def __init__(
        self, repository: InvoiceRepository, drafter: Drafter, pdfs: PdfRenderer | None = None
    ) -> None:
        self.pdfs = pdfs or PdfRenderer()
        self.repository = repository
        self.drafter = drafter

    async def draft(self, principal: Principal, contract_id: uuid.UUID, period: str) -> DraftResult:
        return await self.drafter.draft(
            contract_id, Period.parse(period), principal=principal, token=principal.token
        )

    async def _visible(
        self, principal: Principal, invoice_id: uuid.UUID, *, for_update: bool = False
    ) -> Invoice:
        return await visible_invoice(self.repository, principal, invoice_id, for_update)

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
        skip = ("lines", "credit_notes", "payments", "credits_applied")
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
        data["credits_applied"] = [
            DocumentRef(
                id=e.credit_note_id,
                number=e.credit_note_number,
                date=e.created_at.date(),
                amount=round_money(-e.amount, cur),
            )
            for e in await CreditBalanceRepository(self.repository.session).applied_to(invoice.id)
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
        invoice.number, issue_date = await number_for(
            self.repository, invoice.operator_id, "INV", data.issue_date
        )
        invoice.status = InvoiceStatus.issued
        invoice.issue_date = issue_date
        invoice.due_date = issue_date + timedelta(days=invoice.payment_terms_days)
        invoice.issued_at = datetime.now(UTC)
        invoice.revision += 1
        await self.repository.flush()
        # The client's credit balance (credit notes' excess) pays what it can of this invoice.
        await apply_credit_balance(
            CreditBalanceRepository(self.repository.session), self.repository, invoice
        )
        covered = invoice.credit_applied > 0 and invoice.balance == 0
        if covered:
            invoice.status = InvoiceStatus.paid
            invoice.paid_at = invoice.issued_at
        # The document as issued, frozen: what the client files never changes afterwards.
        invoice.issued_pdf = await self.pdfs.invoice(await self.read(invoice))
        await self.repository.flush()
        await self.repository.emit(
            "invoice.issued", invoice.id, invoice.client_id, event_payload(invoice)
        )
        if covered:
            await self.repository.emit(
                "invoice.paid", invoice.id, invoice.client_id, event_payload(invoice)
            )
        return invoice

    async def pdf(self, principal: Principal, invoice_id: uuid.UUID) -> tuple[str, bytes]:
        """(file name, PDF): an issued or paid invoice as it was issued; a draft or a void
        one as it is now."""
        invoice = await self._visible(principal, invoice_id)
        name = invoice.number or f"draft-{invoice.id}"
        if invoice.status in (InvoiceStatus.issued, InvoiceStatus.paid):
            frozen = await self.repository.issued_pdf(invoice)
            if frozen is not None:
                return name, frozen
        return name, await self.pdfs.invoice(await self.read(invoice))

    async def void(self, principal: Principal, invoice_id: uuid.UUID, reason: str) -> Invoice:
        invoice = await self._visible(principal, invoice_id, for_update=True)
        if invoice.status not in (InvoiceStatus.draft, InvoiceStatus.issued):
            raise InvoiceStateConflict(f"a {invoice.status.value} invoice cannot be voided")
        if invoice.amount_paid > 0 or invoice.amount_credited > 0 or invoice.credit_applied > 0:
            raise InvoiceStateConflict(
                "an invoice with payments, credit notes or applied credit cannot be voided; "
                "issue a credit note"
            )
        invoice.status = InvoiceStatus.void
        invoice.void_reason = reason
        invoice.voided_at = datetime.now(UTC)
        invoice.revision += 1
        await self.repository.flush()
        if invoice.number:
            await self.repository.emit(
                "invoice.voided", invoice.id, invoice.client_id, event_payload(invoice)
            )
        return invoice


def event_payload(invoice: Invoice) -> dict[str, Any]:
    """What an invoice event says: amounts written as in the API (the currency's minor
    units), ids and dates as text."""
    cur = invoice.currency

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    return {
        "id": str(invoice.id),
        "number": invoice.number,
        "status": invoice.status.value,
        "client_id": str(invoice.client_id),
        "contract_id": str(invoice.contract_id),
        "period": invoice.period,
        "currency": cur,
        "subtotal": money_text(invoice.subtotal, cur),
        "tax": money_text(invoice.tax, cur),
        "total": money_text(invoice.total, cur),
        "amount_paid": money_text(invoice.amount_paid, cur),
        "amount_credited": money_text(invoice.amount_credited, cur),
        "credit_applied": money_text(invoice.credit_applied, cur),
        "issue_date": text(invoice.issue_date),
        "due_date": text(invoice.due_date),
        "balance": money_text(invoice.balance, cur),
    }


async def visible_invoice(
    repository: InvoiceRepository, principal: Principal, invoice_id: uuid.UUID, for_update: bool
) -> Invoice:
    """The invoice if the caller may see it; another tenant's answers like a missing one."""
    invoice = await repository.get(invoice_id, for_update=for_update)
    if invoice is None or not principal.can_see_client(invoice.client_id):
        raise InvoiceNotFound(f"no invoice {invoice_id}")
    return invoice

"""Which PDF a client gets: the document as issued. An invoice or credit note is rendered once,
when it is issued, and that file is served from then on, whatever happens to the invoice later
(payments, credit notes: those belong on a statement of account, not on the invoice). Drafts
and voided invoices are rendered on request (a void one says VOID across its title)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from billing.invoices.pdf import render_credit_note_pdf, render_invoice_pdf
from billing.invoices.schemas import CreditNoteRead, InvoiceRead


@dataclass(frozen=True)
class PdfRenderer:
    fallback_fonts: Sequence[Path] = ()

    # Laying out and subsetting fonts is CPU work: off the event loop.
    async def invoice(self, invoice: InvoiceRead) -> bytes:
        return await asyncio.to_thread(render_invoice_pdf, invoice, self.fallback_fonts)

    async def credit_note(self, note: CreditNoteRead, invoice: InvoiceRead) -> bytes:
        return await asyncio.to_thread(render_credit_note_pdf, note, invoice, self.fallback_fonts)

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from billing.base import idempotency
from billing.dependencies import BILLERS, READERS, UpstreamDep
from billing.invoices.documents import PdfRenderer
from billing.invoices.drafting import Drafter
from billing.invoices.models import InvoiceStatus
from billing.invoices.repository import InvoiceFilter, InvoiceRepository
from billing.invoices.schemas import (
    CreditNoteCreate,
    CreditNotePage,
    CreditNoteRead,
    InvoiceCreate,
    InvoiceIssue,
    InvoicePage,
    InvoiceRead,
    InvoiceVoid,
    PaymentCreate,
    PaymentPage,
    PaymentRead,
)
from billing.invoices.service import InvoiceService
from billing.invoices.settlement import SettlementService, payment_read
from billing.price_plans.repository import PricePlanRepository
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import PageParamsDep
from shared.periods import CalendarMonth
from shared.types import Text

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])
credit_notes_router = APIRouter(prefix="/v1/credit-notes", tags=["credit notes"])
payments_router = APIRouter(prefix="/v1/payments", tags=["payments"])

_404: dict[int | str, dict[str, Any]] = {404: {"description": "No such invoice (or not yours)"}}
_409: dict[int | str, dict[str, Any]] = {
    409: {"description": "The invoice's state does not allow this"}
}


async def get_pdfs(request: Request) -> PdfRenderer:
    return PdfRenderer(getattr(request.app.state, "pdf_fallback_fonts", ()))


PdfsDep = Annotated[PdfRenderer, Depends(get_pdfs)]


async def get_service(session: SessionDep, upstream: UpstreamDep, pdfs: PdfsDep) -> InvoiceService:
    repository = InvoiceRepository(session)
    drafter = Drafter(repository, PricePlanRepository(session), upstream)
    return InvoiceService(repository, drafter, pdfs)


ServiceDep = Annotated[InvoiceService, Depends(get_service)]


async def get_settlement(
    session: SessionDep, invoices: ServiceDep, pdfs: PdfsDep
) -> SettlementService:
    return SettlementService(InvoiceRepository(session), invoices, pdfs)


SettlementDep = Annotated[SettlementService, Depends(get_settlement)]
Reader = Annotated[Principal, Depends(require(*READERS))]
Biller = Annotated[Principal, Depends(require(*BILLERS))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create (201) or recompute (200) the draft of a contract's period",
    responses={
        200: {"description": "The existing draft, recomputed (or unchanged)"},
        409: {"description": "The period's invoice is already issued"},
        422: {"description": "Nothing to bill (not in service, no plan) or invalid input"},
        502: {"description": "Contracts or metrics failed; nothing was priced"},
    },
)
async def create_invoice(
    data: InvoiceCreate,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    principal: Biller,
    idempotency_key: IdempotencyKeyHeader = None,
) -> InvoiceRead:

    async def create() -> tuple[InvoiceRead, int]:
        result = await service.draft(principal, data.contract_id, data.period)
        response.headers["X-Draft-Outcome"] = result.outcome
        return await service.read(result.invoice), 201 if result.outcome == "created" else 200

    invoice = await idempotency.run(
        session, response, scope=f"{principal.subject}:create_invoice", key=idempotency_key,
        body=data.model_dump(mode="json"), answer=InvoiceRead, create=create,
    )  # fmt: skip
    response.headers["Location"] = f"/v1/invoices/{invoice.id}"
    return invoice


@router.get("", summary="List invoices (filter by client, contract, status, period, number)")
async def list_invoices(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Reader,
    client_id: uuid.UUID | None = None,
    contract_id: uuid.UUID | None = None,
    status: InvoiceStatus | None = None,
    period: Annotated[CalendarMonth | None, Query()] = None,
    number: Annotated[
        Text | None, Query(max_length=32, description="An issued invoice's number: INV-2026-0001")
    ] = None,
) -> InvoicePage:
    filters = InvoiceFilter(client_id, contract_id, status, period, number)
    items, cursor = await service.list_invoices(principal, filters, page)
    return InvoicePage(
        items=[service.summary(i) for i in items],
        next_cursor=cursor,
        limit=page.limit,
    )


@router.get("/{invoice_id}", summary="Get an invoice with its lines (JSON)", responses=_404)
async def get_invoice(invoice_id: uuid.UUID, service: ServiceDep, principal: Reader) -> InvoiceRead:
    return await service.get(principal, invoice_id)


@router.get(
    "/{invoice_id}/pdf",
    summary="The invoice as a PDF (an issued invoice: the document as issued)",
    response_class=Response,
    responses={**_404, 200: {"content": {"application/pdf": {}}}},
)
async def get_invoice_pdf(
    invoice_id: uuid.UUID, service: ServiceDep, principal: Reader
) -> Response:
    name, content = await service.pdf(principal, invoice_id)
    return _pdf_response(name, content)


def _pdf_response(name: str, content: bytes) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


@router.post(
    "/{invoice_id}/issue",
    summary="Issue a draft: it gets the next gapless number and never changes again",
    responses={**_404, **_409},
)
async def issue_invoice(
    invoice_id: uuid.UUID, service: ServiceDep, principal: Biller, data: InvoiceIssue | None = None
) -> InvoiceRead:
    invoice = await service.issue(principal, invoice_id, data or InvoiceIssue())
    return await service.read(invoice)


@router.post(
    "/{invoice_id}/void",
    summary="Void a draft, or an issued invoice without payments or credit notes",
    responses={**_404, **_409},
)
async def void_invoice(
    invoice_id: uuid.UUID, data: InvoiceVoid, service: ServiceDep, principal: Biller
) -> InvoiceRead:
    return await service.read(await service.void(principal, invoice_id, data.reason))


@credit_notes_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credit note (full, or partial by lines) against an issued invoice",
    responses=_409,
)
async def create_credit_note(
    data: CreditNoteCreate,
    response: Response,
    session: SessionDep,
    service: SettlementDep,
    principal: Biller,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CreditNoteRead:
    note = await idempotency.run(
        session, response, scope=f"{principal.subject}:create_credit_note",
        key=idempotency_key, body=data.model_dump(mode="json"), answer=CreditNoteRead,
        create=lambda: service.credit(principal, data),
    )  # fmt: skip
    response.headers["Location"] = f"/v1/credit-notes/{note.id}"
    return note


@credit_notes_router.get("", summary="List credit notes")
async def list_credit_notes(
    service: SettlementDep,
    page: PageParamsDep,
    principal: Reader,
    invoice_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> CreditNotePage:
    items, cursor = await service.list_credit_notes(principal, page, client_id, invoice_id)
    return CreditNotePage(items=items, next_cursor=cursor, limit=page.limit)


@credit_notes_router.get("/{credit_note_id}", summary="Get a credit note")
async def get_credit_note(
    credit_note_id: uuid.UUID, service: SettlementDep, principal: Reader
) -> CreditNoteRead:
    return await service.get_credit_note(principal, credit_note_id)


@credit_notes_router.get(
    "/{credit_note_id}/pdf",
    summary="The credit note as a PDF (the document as issued)",
    response_class=Response,
    responses={**_404, 200: {"content": {"application/pdf": {}}}},
)
async def get_credit_note_pdf(
    credit_note_id: uuid.UUID, service: SettlementDep, principal: Reader
) -> Response:
    name, content = await service.credit_note_pdf(principal, credit_note_id)
    return _pdf_response(name, content)


@payments_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Record a payment (full or partial) against an issued invoice",
    responses=_409,
)
async def create_payment(
    data: PaymentCreate,
    response: Response,
    session: SessionDep,
    service: SettlementDep,
    principal: Biller,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PaymentRead:

    async def create() -> PaymentRead:
        return payment_read(await service.pay(principal, data))

    return await idempotency.run(
        session, response, scope=f"{principal.subject}:create_payment", key=idempotency_key,
        body=data.model_dump(mode="json"), answer=PaymentRead, create=create,
    )  # fmt: skip


@payments_router.get("", summary="List payments")
async def list_payments(
    service: SettlementDep,
    page: PageParamsDep,
    principal: Reader,
    invoice_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> PaymentPage:
    items, cursor = await service.list_payments(principal, page, client_id, invoice_id)
    return PaymentPage(items=[payment_read(p) for p in items], next_cursor=cursor, limit=page.limit)


@payments_router.get("/{payment_id}", summary="Get a payment")
async def get_payment(
    payment_id: uuid.UUID, service: SettlementDep, principal: Reader
) -> PaymentRead:
    return payment_read(await service.get_payment(principal, payment_id))

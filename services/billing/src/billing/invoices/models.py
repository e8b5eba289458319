import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from billing.base import Base
from shared.ids import uuid7

AMOUNT = Numeric(20, 4)  # rounded to the currency's minor unit (at most 4 in ISO 4217)
QUANTITY = Numeric(30, 10)
UNIT_PRICE = Numeric(30, 10)  # unit prices keep more decimals than amounts


class InvoiceStatus(StrEnum):
    draft = "draft"
    issued = "issued"
    paid = "paid"
    void = "void"


class Invoice(Base):
    __tablename__ = "invoice"
    __table_args__ = (
        # One non-void invoice per contract and period, whatever runs or retries do.
        Index(
            "uq_invoice_contract_id_period_not_void",
            "contract_id",
            "period",
            unique=True,
            postgresql_where=text("status <> 'void'"),
        ),
        UniqueConstraint("operator_id", "number"),
        CheckConstraint(
            "(status = 'draft' AND number IS NULL) OR (status IN ('issued', 'paid') "
            "AND number IS NOT NULL) OR status = 'void'",
            name="number_only_when_issued",
        ),
        Index("ix_invoice_client_id_period", "client_id", "period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    operator_id: Mapped[uuid.UUID] = mapped_column(UUID)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID)
    contract_id: Mapped[uuid.UUID] = mapped_column(UUID)
    contract_number: Mapped[str | None] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    service_from: Mapped[date] = mapped_column(Date)
    service_to: Mapped[date] = mapped_column(Date)
    status: Mapped[InvoiceStatus] = mapped_column(
        Enum(InvoiceStatus, name="invoice_status", native_enum=False, length=10),
        default=InvoiceStatus.draft,
    )
    number: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    price_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("price_plan.id"))
    plan_version: Mapped[int] = mapped_column(Integer)
    sla_report_id: Mapped[str | None] = mapped_column(String(64))
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    subtotal: Mapped[Decimal] = mapped_column(AMOUNT)
    tax_rate_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    # The tax rate's name (e.g. "ISS São Paulo"), when the plan applies a named rate.
    tax_name: Mapped[str | None] = mapped_column(String(200))
    tax: Mapped[Decimal] = mapped_column(AMOUNT)
    total: Mapped[Decimal] = mapped_column(AMOUNT)
    credit_base: Mapped[Decimal] = mapped_column(AMOUNT)
    at_risk: Mapped[Decimal] = mapped_column(Numeric(30, 10))
    # The contract's credit terms the credits were computed with (at-risk, credit and pool
    # caps, percent): the PDF explains the credits with them.
    credit_terms: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    amount_paid: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    amount_credited: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    # The client's credit balance applied when the invoice was issued.
    credit_applied: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    # The part of its credit notes beyond what the invoice still had due: moved to the client's
    # credit balance or a refund, so the balance never goes below zero.
    credit_excess: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    seller: Mapped[dict[str, Any]] = mapped_column(JSONB)
    buyer: Mapped[dict[str, Any]] = mapped_column(JSONB)
    service_levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    fingerprint: Mapped[str] = mapped_column(String(64))
    void_reason: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The PDF as issued, what the client files: rendered once at issue (loaded on request).
    issued_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def balance(self) -> Decimal:
        return (
            self.total
            - self.amount_paid
            - self.amount_credited
            - self.credit_applied
            + self.credit_excess
        )


class InvoiceLine(Base):
    __tablename__ = "invoice_line"
    __table_args__ = (UniqueConstraint("invoice_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    charge_key: Mapped[str | None] = mapped_column(String(60))
    charge_model: Mapped[str | None] = mapped_column(String(20))
    plan_version: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal | None] = mapped_column(UNIT_PRICE)
    tier: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    source: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sla_key: Mapped[str | None] = mapped_column(String(60))
    sla_target: Mapped[str | None] = mapped_column(String(40))
    sla_measured: Mapped[str | None] = mapped_column(String(40))
    report_id: Mapped[str | None] = mapped_column(String(64))


class NumberCounter(Base):
    """The last number given per operator, document kind (INV, CN) and year. Incremented under
    the row lock of the issuing transaction, so numbers are gapless: a rolled-back issue gives
    its number back."""

    __tablename__ = "number_counter"
    __table_args__ = (PrimaryKeyConstraint("operator_id", "kind", "year"),)

    operator_id: Mapped[uuid.UUID] = mapped_column(UUID)
    kind: Mapped[str] = mapped_column(String(4))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(BigInteger)
    # Numbers follow dates: no document of the series may be dated before this one.
    last_issue_date: Mapped[date | None] = mapped_column(Date)


class CreditNote(Base):
    __tablename__ = "credit_note"
    __table_args__ = (UniqueConstraint("operator_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), index=True)
    operator_id: Mapped[uuid.UUID] = mapped_column(UUID)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(UUID)
    number: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    full: Mapped[bool] = mapped_column(Boolean)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(AMOUNT)
    tax: Mapped[Decimal] = mapped_column(AMOUNT)
    total: Mapped[Decimal] = mapped_column(AMOUNT)
    issue_date: Mapped[date] = mapped_column(Date)
    # What the note credited beyond the invoice's balance due, and where it went:
    # "credit_balance" (the client's, applied to its next invoice) or "refund".
    excess: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    excess_to: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    issued_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class CreditNoteLine(Base):
    __tablename__ = "credit_note_line"
    __table_args__ = (UniqueConstraint("credit_note_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    credit_note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_note.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    invoice_line_key: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

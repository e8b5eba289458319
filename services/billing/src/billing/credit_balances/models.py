"""A client's credit balance (per currency) and the refunds due to it: where the part of a credit
note beyond what its invoice still had due goes, so no invoice ever shows a negative balance."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, Enum, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from billing.base import Base
from billing.invoices.models import AMOUNT
from shared.ids import uuid7


class CreditEntryKind(StrEnum):
    credit_note = "credit_note"  # the excess of a credit note, added to the balance
    applied = "applied"  # part of the balance applied to an invoice at its issue


class CreditEntry(Base):
    """One movement of a client's credit balance in one currency. The balance is the sum of the
    entries; every entry names the credit note the money came from (an application drawing on
    two credit notes is two entries), so the balance is traceable to its credit notes."""

    __tablename__ = "client_credit_entry"
    __table_args__ = (
        Index("ix_client_credit_entry_client_id_currency_id", "client_id", "currency", "id"),
        CheckConstraint(
            "(kind = 'credit_note' AND amount > 0) OR (kind = 'applied' AND amount < 0)",
            name="sign_follows_kind",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    operator_id: Mapped[uuid.UUID] = mapped_column(UUID)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[CreditEntryKind] = mapped_column(
        Enum(CreditEntryKind, name="credit_entry_kind", native_enum=False, length=20)
    )
    amount: Mapped[Decimal] = mapped_column(AMOUNT)  # + credited, - applied
    balance_after: Mapped[Decimal] = mapped_column(AMOUNT)
    credit_note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_note.id"), index=True)
    credit_note_number: Mapped[str] = mapped_column(String(32))
    # credit_note: the invoice the note credited; applied: the invoice the credit reduced
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), index=True)
    invoice_number: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RefundStatus(StrEnum):
    due = "due"
    refunded = "refunded"


class Refund(Base):
    """Money owed back to a client: the excess of a credit note whose request chose a refund."""

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_refund_client_id_id", "client_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    operator_id: Mapped[uuid.UUID] = mapped_column(UUID)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    credit_note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_note.id"), unique=True)
    credit_note_number: Mapped[str] = mapped_column(String(32))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"))
    status: Mapped[RefundStatus] = mapped_column(
        Enum(RefundStatus, name="refund_status", native_enum=False, length=10),
        default=RefundStatus.due,
    )
    reference: Mapped[str | None] = mapped_column(String(200))
    refunded_on: Mapped[date | None] = mapped_column(Date)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

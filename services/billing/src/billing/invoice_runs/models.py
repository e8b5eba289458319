import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from billing.base import Base
from shared.ids import uuid7


class RunStatus(StrEnum):
    running = "running"
    completed = "completed"
    failed = "failed"  # could not even list the contracts; resumable


class ItemStatus(StrEnum):
    pending = "pending"
    claimed = "claimed"
    done = "done"
    failed = "failed"
    skipped = "skipped"


class InvoiceRun(Base):
    __tablename__ = "invoice_run"
    __table_args__ = (
        # One unfinished run per period: starting it again returns (and resumes) that run.
        Index(
            "uq_invoice_run_period_unfinished",
            "period",
            unique=True,
            postgresql_where=text("status <> 'completed'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(12), default=RunStatus.running.value)
    enumerated: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InvoiceRunItem(Base):
    """One contract's work in a run, claimed in the database so two workers never do it twice
    at once and a killed worker's claim can be taken over after its lease."""

    __tablename__ = "invoice_run_item"
    __table_args__ = (
        PrimaryKeyConstraint("run_id", "contract_id"),
        # Claims take the first item of a status in contract order: an index walk, not a sort.
        Index("ix_invoice_run_item_run_id_status_contract_id", "run_id", "status", "contract_id"),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice_run.id"))
    contract_id: Mapped[uuid.UUID] = mapped_column(UUID)
    status: Mapped[str] = mapped_column(String(10), default=ItemStatus.pending.value)
    reason: Mapped[str | None] = mapped_column(Text)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

"""QA evaluations: a quality analyst's score (0..100) of one contact, or of one agent's day,
the source of the ``quality_score`` metric."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Index, Numeric, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from metrics.base import Base
from shared.ids import uuid7


class QualityEvaluation(Base):
    """One evaluation as the QA tool sent it, with the contract, client, queue, channel and
    agent it is about: copied from the evaluated contact record, or, for an agent's day,
    named or resolved from the queue as contact records are.

    A contact evaluation keeps the contact's key (source, external id), not the record's id:
    a newer version of a record gets a new id, and erasing a customer's records erases the
    evaluations of those contacts by that key."""

    __tablename__ = "quality_evaluation"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        Index("ix_quality_evaluation_contract_id_evaluated_at", "contract_id", "evaluated_at"),
        Index(
            "ix_quality_evaluation_contact_source_id_contact_external_id",
            "contact_source_id",
            "contact_external_id",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    source_id: Mapped[uuid.UUID] = mapped_column(UUID)
    external_id: Mapped[str] = mapped_column(String(200))
    contract_id: Mapped[uuid.UUID] = mapped_column(UUID)
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    contact_source_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    contact_external_id: Mapped[str | None] = mapped_column(String(200))
    agent: Mapped[str | None] = mapped_column(String(200))
    day: Mapped[date | None] = mapped_column(Date)
    queue: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(30))
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    form: Mapped[str | None] = mapped_column(String(200))
    evaluator: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ingested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

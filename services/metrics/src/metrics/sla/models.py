import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from metrics.base import Base
from shared.ids import uuid7


class SlaReport(Base):
    """One evaluation of a contract's service levels for a month; a recompute adds a revision."""

    __tablename__ = "sla_report"
    __table_args__ = (UniqueConstraint("contract_id", "period", "revision"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    contract_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID, index=True)
    period: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    time_zone: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    contract_version: Mapped[int] = mapped_column(Integer)
    results: Mapped[list] = mapped_column(JSONB)
    # The service terms the report was evaluated with, as received.
    terms: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from billing.base import Base
from shared.ids import uuid7


class OutboxEvent(Base):
    """An event written in the transaction that caused it; visible to readers only once that
    transaction committed. ``txid`` orders events by writing transaction, so a reader that only
    looks below the oldest running transaction never misses one that commits late."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_txid_id", "txid", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    txid: Mapped[int] = mapped_column(
        BigInteger, server_default=text("(pg_current_xact_id()::text)::bigint")
    )
    type: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

"""The log of when a contract's SLA inputs changed: one row per contract per write that touched
its contact records, agent activity or QA evaluations."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from metrics.base import Base


class SlaInputChange(Base):
    """Append-only, so that concurrent batches of one contract never wait on each other for
    it (an upsert of one row per contract would serialize them); old rows are pruned by the
    reader. ``changed_at`` is the clock when the row was written, late in the writing
    transaction, which is why readers look back a little (``LOOK_BACK``)."""

    __tablename__ = "sla_input_change"
    __table_args__ = (Index("ix_sla_input_change_changed_at", "changed_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(UUID)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from billing.base import Base


class SlaLevelStatus(Base):
    """The last status announced for one service level of a contract in a period: what the
    next projection is compared with to tell whether to announce a change."""

    __tablename__ = "sla_level_status"

    contract_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    level_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID)
    status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

"""Agent activity: spans of one agent in one state, the source of occupancy and productive
agent hours."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from metrics.base import Base
from shared.ids import uuid7


class ActivityState(StrEnum):
    available = "available"
    on_contact = "on_contact"
    after_contact_work = "after_contact_work"
    break_ = "break"
    training = "training"
    meeting = "meeting"
    offline = "offline"


# States that count as productive (billable) agent time.
PRODUCTIVE_STATES = frozenset(
    {ActivityState.available, ActivityState.on_contact, ActivityState.after_contact_work}
)
HANDLING_STATES = frozenset({ActivityState.on_contact, ActivityState.after_contact_work})


class AgentActivity(Base):
    """A span of one agent in one state for one contract, optionally in one queue (skill) and
    channel: platforms that report agent states per queue send one span per queue."""

    __tablename__ = "agent_activity"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        Index("ix_agent_activity_contract_id_started_at", "contract_id", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    source_id: Mapped[uuid.UUID] = mapped_column(UUID)
    external_id: Mapped[str] = mapped_column(String(200))
    contract_id: Mapped[uuid.UUID] = mapped_column(UUID)
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    agent: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(30))
    queue: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(30))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ingested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

"""Contact records (partitioned by month) and their uniqueness keys (the rollups are
``metrics.rollups.models``)."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Index, Integer, SmallInteger, String, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from metrics.base import Base
from shared.ids import uuid7


class Outcome(StrEnum):
    answered = "answered"
    abandoned = "abandoned"
    flow_out = "flow_out"


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class Initiation(StrEnum):
    inbound = "inbound"
    outbound = "outbound"
    transfer = "transfer"
    callback = "callback"


class ContactRecord(Base):
    """One contact as the platform saw it. Partitioned by month of ``enqueued_at`` (UTC);
    partitions are created on demand by ``metrics_ensure_contact_partition``."""

    __tablename__ = "contact_record"
    __table_args__ = (
        Index("ix_contact_record_contract_id_enqueued_at", "contract_id", "enqueued_at"),
        Index("ix_contact_record_source_id_external_id", "source_id", "external_id"),
        Index("ix_contact_record_customer_key", "customer_key"),
        {"postgresql_partition_by": "RANGE (enqueued_at)"},
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    source_id: Mapped[uuid.UUID] = mapped_column(UUID)
    external_id: Mapped[str] = mapped_column(String(200))
    contract_id: Mapped[uuid.UUID] = mapped_column(UUID)
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    queue: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(30))
    direction: Mapped[str] = mapped_column(String(10))
    initiation: Mapped[str] = mapped_column(String(10))
    agent: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    wait_seconds: Mapped[int] = mapped_column(Integer)
    talk_seconds: Mapped[int] = mapped_column(Integer)
    hold_seconds: Mapped[int] = mapped_column(Integer)
    acw_seconds: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(10))
    transferred: Mapped[bool] = mapped_column(Boolean)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    csat: Mapped[int | None] = mapped_column(SmallInteger)
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    customer_key: Mapped[str | None] = mapped_column(String(64))
    attributes: Mapped[dict | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ingested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ContactKey(Base):
    """The uniqueness of (source, external id) across partitions, and the version held.

    An erased record keeps its key with ``updated_at = 'infinity'``, so a platform sending it
    again cannot bring it back."""

    __tablename__ = "contact_key"

    source_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(UUID)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The client of the record (its contract's): a newer version of another client's is
    # refused, so an update never moves a record to another tenant. None for keys stored
    # before clients were kept here, and for records stored without a client.
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID)

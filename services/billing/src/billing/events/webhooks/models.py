import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from billing.base import Base
from shared.ids import uuid7


class WebhookEndpoint(Base):
    """A partner URL registered through the API, with its own signing secret, event filter and
    delivery position.

    Delivery is a cursor over the outbox's commit order (``cursor_txid``, ``cursor_event_id``):
    events after it that match the endpoint's client and types are sent in that order, and the
    cursor advances only past an event the endpoint accepted (or one it does not want). A new
    endpoint's cursor starts at its own creating transaction, so it receives only events written
    after it was created."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    # None: operator-wide (every client's events); otherwise only that client's events.
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID, index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(500))
    # None: every event type.
    event_types: Mapped[list[str] | None] = mapped_column(ARRAY(String(60)))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    # The signing secret, encrypted (Fernet) with the service's webhook secrets key; the
    # previous one stays valid until ``previous_secret_expires_at`` after a rotation.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    # Delivery position and state (written by the dispatcher only).
    cursor_txid: Mapped[int] = mapped_column(
        BigInteger, server_default=text("(pg_current_xact_id()::text)::bigint")
    )
    cursor_event_id: Mapped[uuid.UUID] = mapped_column(
        UUID, server_default=text("'00000000-0000-0000-0000-000000000000'::uuid")
    )
    last_delivered_event_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    last_delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A dispatcher works on an endpoint while it holds the lease (several replicas never
    # deliver to one endpoint at once; a killed one's lease simply runs out).
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(Base):
    """One POST of one event to one endpoint: what it answered, or why it failed."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_endpoint_id_id", "endpoint_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(UUID)
    event_type: Mapped[str] = mapped_column(String(60))
    attempted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)

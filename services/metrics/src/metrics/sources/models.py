import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from metrics.base import Base
from shared.ids import uuid7


class SourceKind(StrEnum):
    api = "api"
    csv = "csv"
    amazon_connect = "amazon_connect"
    asterisk = "asterisk"
    genesys = "genesys"
    five9 = "five9"
    other = "other"


class Source(Base):
    """A telephony or contact platform that pushes records; external ids are unique per source."""

    __tablename__ = "source"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[SourceKind] = mapped_column(
        Enum(SourceKind, name="source_kind", native_enum=False, length=30)
    )
    # The client whose records it sends; None for an operator-wide platform.
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID, index=True)
    description: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

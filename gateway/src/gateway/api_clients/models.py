import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, Integer, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from gateway.base import Base
from shared.auth import Role
from shared.ids import uuid7


class ApiClientStatus(StrEnum):
    active = "active"
    revoked = "revoked"


class ApiClient(Base):
    """A partner system that authenticates with the OAuth2 client-credentials grant.

    Only an Argon2 hash of the secret is kept; the secret itself is shown once, at creation
    or rotation. During a rotation's grace period the previous secret still works.
    """

    __tablename__ = "api_client"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="api_client_role", native_enum=False, length=20)
    )
    # The client organization the tokens are scoped to (None: operator-wide).
    tenant_client_id: Mapped[uuid.UUID | None] = mapped_column(UUID, index=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(200))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[ApiClientStatus] = mapped_column(
        Enum(ApiClientStatus, name="api_client_status", native_enum=False, length=20),
        default=ApiClientStatus.active,
    )
    token_ttl_seconds: Mapped[int] = mapped_column(Integer, default=900)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_token_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

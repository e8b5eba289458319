import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Enum, Index, Integer, String, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from contracts.base import Base
from shared.ids import uuid7


class OrganizationKind(StrEnum):
    operator = "operator"
    client = "client"


class OrganizationStatus(StrEnum):
    active = "active"
    inactive = "inactive"


class Organization(Base):
    """The operator (the BPO itself) or one of its clients."""

    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint("char_length(country) = 2", name="country_alpha2"),
        # A client belongs to an operator; the operator belongs to nobody.
        CheckConstraint(
            "(kind = 'operator') = (operator_id IS NULL)", name="operator_link_matches_kind"
        ),
        Index("ix_organization_lower_display_name", func.lower(text("display_name"))),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    kind: Mapped[OrganizationKind] = mapped_column(
        Enum(OrganizationKind, name="organization_kind", native_enum=False, length=20)
    )
    operator_id: Mapped[uuid.UUID | None] = mapped_column(UUID, index=True)
    legal_name: Mapped[str] = mapped_column(String(300))
    display_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    tax_id: Mapped[str | None] = mapped_column(String(50))
    billing_email: Mapped[str | None] = mapped_column(String(320))
    time_zone: Mapped[str] = mapped_column(String(64))
    # Structured as the API's PostalAddress; printed on invoices (billing copies it at issue).
    postal_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The operator's bank details for its invoices (never a client's); the API's Remittance.
    remittance: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[OrganizationStatus] = mapped_column(
        Enum(OrganizationStatus, name="organization_status", native_enum=False, length=20),
        default=OrganizationStatus.active,
    )
    # Bumped on every update; the ETag clients send back in If-Match.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

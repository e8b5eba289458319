import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from billing.base import Base
from shared.ids import uuid7


class PricePlan(Base):
    """The rate card of one contract. Its content lives in immutable, effective-dated versions."""

    __tablename__ = "price_plan"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    contract_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    operator_id: Mapped[uuid.UUID] = mapped_column(UUID)
    currency: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PricePlanVersion(Base):
    """One version of a plan, in effect from ``effective_from`` until the next version's date.
    Never updated: a price change is a new version, so an issued invoice's version stays as it was.
    """

    __tablename__ = "price_plan_version"
    __table_args__ = (
        UniqueConstraint("price_plan_id", "version"),
        UniqueConstraint("price_plan_id", "effective_from"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    price_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("price_plan.id"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    # The validated PlanTerms (charges, minimum commitment, tax rate, payment terms) as JSON,
    # decimals as strings; the tax rate chosen by id is copied in so it can never drift.
    terms: Mapped[dict[str, Any]] = mapped_column(JSONB)
    tax_rate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tax_rate.id"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, Numeric, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from billing.base import Base
from shared.ids import uuid7


class TaxRate(Base):
    """A named tax rate (e.g. ISS 5 % in Brazil) that price plans apply to an invoice's net."""

    __tablename__ = "tax_rate"
    __table_args__ = (
        UniqueConstraint("code", "valid_from"),
        CheckConstraint("rate >= 0 AND rate < 100", name="rate_is_a_percentage"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    # Percentage with up to four decimals (5.0000 = 5 %).
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    valid_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

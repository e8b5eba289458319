"""The rollup tables: the 15-minute and the hourly sums of contact records."""

import uuid
from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, DateTime, Index, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from metrics.base import Base

# Wait-time histograms in rollups cover 0..HISTOGRAM_MAX_SECONDS; larger thresholds are
# answered from raw records.
HISTOGRAM_MAX_SECONDS = 600
HISTOGRAM_SIZE = HISTOGRAM_MAX_SECONDS + 1


class RollupColumns:
    """The key and sums shared by the 15-minute and the hourly rollups. The sums are
    ``sums.RollupSums``, by name and in order (a test checks they agree)."""

    contract_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    queue: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    interval_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    contacts: Mapped[int] = mapped_column(BigInteger, default=0)
    answered: Mapped[int] = mapped_column(BigInteger, default=0)
    abandoned: Mapped[int] = mapped_column(BigInteger, default=0)
    flow_outs: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_answered: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_abandoned: Mapped[int] = mapped_column(BigInteger, default=0)
    handle_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    handle_units_6: Mapped[int] = mapped_column(BigInteger, default=0)
    handle_units_60: Mapped[int] = mapped_column(BigInteger, default=0)
    transferred: Mapped[int] = mapped_column(BigInteger, default=0)
    fcr_resolved: Mapped[int] = mapped_column(BigInteger, default=0)
    fcr_known: Mapped[int] = mapped_column(BigInteger, default=0)
    csat_responses: Mapped[int] = mapped_column(BigInteger, default=0)
    csat_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    csat_top2: Mapped[int] = mapped_column(BigInteger, default=0)
    nps_responses: Mapped[int] = mapped_column(BigInteger, default=0)
    nps_promoters: Mapped[int] = mapped_column(BigInteger, default=0)
    nps_detractors: Mapped[int] = mapped_column(BigInteger, default=0)
    # answered_le[k+1] = answered contacts that waited <= k seconds (k = 0..600), cumulative,
    # trimmed after the longest wait: for a longer k read the last element ({} is all zeros;
    # ``metrics_histogram_le`` in SQL).
    answered_le: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    abandoned_le: Mapped[list[int]] = mapped_column(ARRAY(Integer))


class ContactRollup(RollupColumns, Base):
    """Sums of the contacts of one contract, queue, channel and direction enqueued in one
    15-minute interval (UTC-aligned, which is aligned in every real time zone)."""

    __tablename__ = "contact_rollup"
    __table_args__ = (
        Index("ix_contact_rollup_client_id_interval_start", "client_id", "interval_start"),
        Index("ix_contact_rollup_contract_id_interval_start", "contract_id", "interval_start"),
    )


class ContactRollupHour(RollupColumns, Base):
    """The same sums per UTC hour: a quarter of the rows for questions at hour, day, week or
    month granularity in time zones whose offset is whole hours. Kept by the same deltas."""

    __tablename__ = "contact_rollup_hour"
    __table_args__ = (
        Index("ix_contact_rollup_hour_client_id_interval_start", "client_id", "interval_start"),
        Index("ix_contact_rollup_hour_contract_id_interval_start", "contract_id", "interval_start"),
    )

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from contracts.base import Base
from contracts.contracts.rules.lifecycle import Stage, Status
from shared.ids import uuid7


class ContractType(StrEnum):
    MSA = "MSA"
    SOW = "SOW"
    SLA = "SLA"
    NDA = "NDA"


class Party(StrEnum):
    operator = "operator"
    client = "client"


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=30)


class Contract(Base):
    """An agreement: its identity, its workflow stage and what is derived from its versions.

    The agreed content lives in ``ContractVersion`` rows; the date columns here (start, period
    end, notice deadline, final end) are recomputed on every write and by the daily refresh,
    so lists and reminders can filter in SQL.
    """

    __tablename__ = "contract"
    __table_args__ = (Index("ix_contract_start_date_final_end", "start_date", "final_end"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    operator_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contract.id"), index=True)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contract.id"))
    type: Mapped[ContractType] = mapped_column(_enum(ContractType, "contract_type"))
    number: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    currency: Mapped[str] = mapped_column(String(3))
    time_zone: Mapped[str] = mapped_column(String(64))
    # Stage of the agreement itself (version 1); amendments carry their own stage.
    stage: Mapped[Stage] = mapped_column(_enum(Stage, "contract_stage"), index=True)
    status: Mapped[Status | None] = mapped_column(_enum(Status, "contract_status"), index=True)
    status_on: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    notice_deadline: Mapped[date | None] = mapped_column(Date)
    final_end: Mapped[date | None] = mapped_column(Date)
    renewals_done: Mapped[int] = mapped_column(Integer, default=0)
    superseded_on: Mapped[date | None] = mapped_column(Date)
    termination_kind: Mapped[str | None] = mapped_column(String(20))
    termination_reason: Mapped[str | None] = mapped_column(Text)
    termination_notice_date: Mapped[date | None] = mapped_column(Date)
    termination_effective_date: Mapped[date | None] = mapped_column(Date)
    termination_fee: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    termination_requested_by: Mapped[str | None] = mapped_column(String(200))
    termination_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set by the service with each revision (no onupdate: a status refresh is no edit).
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ContractVersion(Base):
    """One version of the agreed content: version 1 is the original, each amendment adds one."""

    __tablename__ = "contract_version"
    __table_args__ = (
        UniqueConstraint("contract_id", "version"),
        # The queue -> contract lookup and the "queue claimed twice" check search here.
        Index(
            "ix_contract_version_scope_queues",
            text("((elements -> 'scope'::text) -> 'queues'::text)"),
            postgresql_using="gin",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contract.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    stage: Mapped[Stage] = mapped_column(_enum(Stage, "contract_version_stage"))
    effective_from: Mapped[date | None] = mapped_column(Date)
    change_summary: Mapped[str | None] = mapped_column(Text)
    elements: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Frozen when sent for signature: the exact HTML signers sign, its SHA-256 and the PDF of
    # the same text. Deferred (loaded only by ``ContractRepository.frozen_document``).
    document_html: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_raiseload=True)
    document_pdf: Mapped[bytes | None] = mapped_column(
        LargeBinary, deferred=True, deferred_raiseload=True
    )
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ContractSigner(Base):
    """A signer requested for a version, and their signature once given."""

    __tablename__ = "contract_signer"
    __table_args__ = (UniqueConstraint("contract_id", "version", "email"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contract.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str | None] = mapped_column(String(200))
    party: Mapped[Party] = mapped_column(_enum(Party, "signer_party"))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ContractEvent(Base):
    """Append-only log: every change and transition of a contract (who, when, what)."""

    __tablename__ = "contract_event"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid7)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contract.id"), index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    type: Mapped[str] = mapped_column(String(50), index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class ContractNumberCounter(Base):
    """The last number given per year; locked by the insert, so numbers are gapless."""

    __tablename__ = "contract_number_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)

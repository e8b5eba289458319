import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.pagination import Page
from shared.periods import CalendarMonth


class InvoiceRunCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"period": "2026-01"}]}
    )

    period: CalendarMonth


class RunProgress(BaseModel):
    total: int = 0
    pending: int = 0
    claimed: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0


class InvoiceRunRead(BaseModel):
    id: uuid.UUID
    period: str
    status: str = Field(description="running | completed | failed (contracts could not be listed)")
    reason: str | None
    requested_by: str
    created_at: datetime
    finished_at: datetime | None
    progress: RunProgress


InvoiceRunPage = Page[InvoiceRunRead]


class RunItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    contract_id: uuid.UUID
    status: str = Field(description="pending | claimed | done | failed | skipped")
    reason: str | None = Field(description="created / updated / unchanged, or why not")
    invoice_id: uuid.UUID | None
    attempts: int
    updated_at: datetime


RunItemPage = Page[RunItemRead]

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.pagination import Page


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type: str = Field(
        description="invoice.issued | invoice.paid | invoice.voided | credit_note.issued | "
        "credit_balance.credited | credit_balance.applied | refund.due | refund.refunded"
    )
    subject_id: uuid.UUID
    client_id: uuid.UUID
    occurred_at: datetime
    payload: dict[str, Any]


EventPage = Page[EventRead]

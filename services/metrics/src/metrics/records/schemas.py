import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from metrics.records.models import Direction, Initiation, Outcome
from shared.types import AwareDateTime, Channel, JsonObject, Text

CONTACT_EXAMPLE: Any = {
    "external_id": "call-0001",
    "queue": "acme-support",
    "channel": "voice",
    "direction": "inbound",
    "agent": "agent-2001",
    "enqueued_at": "2026-10-01T12:00:20Z",
    "answered_at": "2026-10-01T12:00:35Z",
    "ended_at": "2026-10-01T12:06:10Z",
    "wait_seconds": 15,
    "talk_seconds": 280,
    "hold_seconds": 30,
    "acw_seconds": 45,
    "outcome": "answered",
    "resolved": True,
    "csat": 5,
    "customer": "+5511990000001",
    "updated_at": "2026-10-01T12:07:00Z",
}


class ContactRecordIn(BaseModel):
    """One contact as a platform pushes it. Name its `contract_id`, or only its `queue` and the
    contract claiming the queue at `enqueued_at` is asked of the contracts service."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CONTACT_EXAMPLE]})

    external_id: Text = Field(min_length=1, max_length=200)
    contract_id: uuid.UUID | None = None
    queue: Text = Field(min_length=1, max_length=200)
    channel: Channel = Channel.voice
    direction: Direction = Direction.inbound
    initiation: Initiation | None = None
    agent: Text | None = Field(None, max_length=200)
    enqueued_at: AwareDateTime
    answered_at: AwareDateTime | None = None
    ended_at: AwareDateTime | None = None
    wait_seconds: int | None = Field(
        None, ge=0, le=10_000_000, description="Whole seconds; derived from the times if absent"
    )
    talk_seconds: int = Field(0, ge=0, le=10_000_000)
    hold_seconds: int = Field(0, ge=0, le=10_000_000)
    acw_seconds: int = Field(0, ge=0, le=10_000_000)
    outcome: Outcome
    transferred: bool = False
    resolved: bool | None = Field(None, description="Resolved on first contact; null = unknown")
    csat: int | None = Field(None, ge=1, le=5)
    nps: int | None = Field(None, ge=0, le=10)
    customer: Text | None = Field(
        None,
        max_length=320,
        description="Raw phone number or e-mail; only its keyed hash is stored",
    )
    attributes: JsonObject | None = None
    updated_at: AwareDateTime | None = Field(
        None,
        description="Version of the record: a later one replaces an earlier one. "
        "Defaults to ended_at, else enqueued_at.",
    )


class ContactBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"source": "connect-prod", "records": [CONTACT_EXAMPLE]}]},
    )

    source: Text = Field(min_length=1, max_length=100, description="Name of a registered source")
    # Valid rows arrive as ContactRecordIn (validated in one pass); a row that is not is kept
    # as sent and reported on its own, so one bad row never fails the batch.
    records: list[Annotated[ContactRecordIn | Any, Field(union_mode="left_to_right")]] = Field(
        max_length=10_000,
        description="Up to 10,000 records of the ContactRecordIn shape; each is validated on "
        "its own, so a bad one is reported without losing the others",
    )


class Rejection(BaseModel):
    index: int
    field: str
    message: str


class BatchResult(BaseModel):
    received: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejections: list[Rejection]


class ContactRecordRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source_id: uuid.UUID
    external_id: str
    contract_id: uuid.UUID
    client_id: uuid.UUID | None
    queue: str
    channel: str
    direction: str
    initiation: str
    agent: str | None
    enqueued_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int
    talk_seconds: int
    hold_seconds: int
    acw_seconds: int
    outcome: str
    transferred: bool
    resolved: bool | None
    csat: int | None
    nps: int | None
    customer_key: str | None
    attributes: dict[str, Any] | None
    updated_at: datetime

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from metrics.activity.models import ActivityState
from shared.types import AwareDateTime, Channel, Text

ACTIVITY_EXAMPLE: Any = {
    "external_id": "act-1",
    "contract_id": "01938a52-0000-7000-8000-000000000001",
    "agent": "agent-2001",
    "state": "on_contact",
    "queue": "acme-support",
    "channel": "voice",
    "started_at": "2026-10-01T12:00:35Z",
    "ended_at": "2026-10-01T12:06:10Z",
}


class AgentActivityIn(BaseModel):
    """A span of one agent in one state. `queue` and `channel` are optional: name them when the
    platform reports the agent's state per queue (skill) and channel, and occupancy can be read
    per queue and channel; a span without them counts only in figures not filtered by them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ACTIVITY_EXAMPLE]})

    external_id: Text = Field(min_length=1, max_length=200)
    contract_id: uuid.UUID
    agent: Text = Field(min_length=1, max_length=200)
    state: ActivityState
    queue: Text | None = Field(
        None, min_length=1, max_length=200, description="The queue (skill) the span was in"
    )
    channel: Channel | None = Field(None, description="The channel the span was in")
    started_at: AwareDateTime
    ended_at: AwareDateTime
    updated_at: AwareDateTime | None = None


class ActivityBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"source": "connect-prod", "records": [ACTIVITY_EXAMPLE]}]},
    )

    source: Text = Field(min_length=1, max_length=100, description="Name of a registered source")
    records: list[Any] = Field(
        max_length=10_000,
        description="Up to 10,000 spans of the AgentActivityIn shape; each is validated on its "
        "own, so a bad one is reported without losing the others",
    )

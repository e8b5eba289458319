import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from metrics.activity.models import ActivityState
from shared.types import AwareDateTime

ACTIVITY_EXAMPLE: Any = {
    "external_id": "act-1",
    "contract_id": "01938a52-0000-7000-8000-000000000001",
    "agent": "agent-2001",
    "state": "on_contact",
    "started_at": "2026-10-01T12:00:35Z",
    "ended_at": "2026-10-01T12:06:10Z",
}


class AgentActivityIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ACTIVITY_EXAMPLE]})

    external_id: str = Field(min_length=1, max_length=200)
    contract_id: uuid.UUID
    agent: str = Field(min_length=1, max_length=200)
    state: ActivityState
    started_at: AwareDateTime
    ended_at: AwareDateTime
    updated_at: AwareDateTime | None = None


class ActivityBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"source": "connect-prod", "records": [ACTIVITY_EXAMPLE]}]},
    )

    source: str = Field(min_length=1, max_length=100)
    records: list[Any] = Field(max_length=10_000)

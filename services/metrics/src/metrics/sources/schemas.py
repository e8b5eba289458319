import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from metrics.sources.models import SourceKind
from shared.pagination import Page
from shared.types import Text


class SourceCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "connect-prod", "kind": "amazon_connect", "client_id": None}]
        },
    )

    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: SourceKind
    client_id: uuid.UUID | None = None
    description: Text | None = Field(None, max_length=500)


class SourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: SourceKind
    client_id: uuid.UUID | None
    description: str | None
    created_at: datetime


SourcePage = Page[SourceRead]

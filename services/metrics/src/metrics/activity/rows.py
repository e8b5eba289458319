"""An agent-activity span as ingestion validates it and the repository stores it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class ActivityRow:
    index: int
    id: uuid.UUID
    external_id: str
    contract_id: uuid.UUID
    agent: str
    state: str
    queue: str | None
    channel: str | None
    started_at: datetime
    ended_at: datetime
    updated_at: datetime
    client_id: uuid.UUID | None = None  # the contract's, once resolved

"""A QA evaluation as ingestion validates it and the repository stores it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(slots=True)
class EvaluationRow:
    index: int
    id: uuid.UUID
    external_id: str
    contact_source: str | None  # the name sent (None: the evaluation's own source)
    contact_external_id: str | None
    agent: str | None
    day: date | None
    queue: str | None
    channel: str | None
    evaluated_at: datetime
    score: Decimal
    form: str | None
    evaluator: str | None
    updated_at: datetime
    # Named for an agent's day; for a contact, the contact's (filled when it is found).
    contract_id: uuid.UUID | None = None
    # Filled when what the evaluation is about is found:
    client_id: uuid.UUID | None = None
    contact_source_id: uuid.UUID | None = None

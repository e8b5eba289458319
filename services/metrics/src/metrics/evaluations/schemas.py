import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from shared.types import AwareDateTime, Channel, IsoDate, Text, decimal_text, fits_numeric

# A QA score: 0..100 points, at most two decimals (numeric(5, 2)).
Score = Annotated[Decimal, BeforeValidator(decimal_text), fits_numeric(3, 2), Field(ge=0, le=100)]

CONTACT_EVALUATION_EXAMPLE: Any = {
    "external_id": "qa-2026-10-0001",
    "contact": "call-0001",
    "contact_source": "connect-prod",
    "evaluated_at": "2026-10-02T15:30:00Z",
    "score": "87.50",
    "form": "Voice QA v3",
    "evaluator": "qa-lead-07",
}
AGENT_DAY_EVALUATION_EXAMPLE: Any = {
    "external_id": "qa-2026-10-0002",
    "agent": "agent-2001",
    "day": "2026-10-01",
    "queue": "acme-support",
    "channel": "voice",
    "evaluated_at": "2026-10-02T16:00:00Z",
    "score": "92",
    "form": "Side-by-side coaching",
}


class EvaluationIn(BaseModel):
    """One QA evaluation. Either of a contact (`contact`: the contact record's external id,
    pushed through `contact_source`, by default the evaluation's own source; the contract,
    client, queue, channel and agent are the contact's), or of an agent's `day` (name the
    `contract_id`, or the `queue` and the contract claiming it that day is asked, as for
    contact records)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [CONTACT_EVALUATION_EXAMPLE, AGENT_DAY_EVALUATION_EXAMPLE]},
    )

    external_id: Text = Field(min_length=1, max_length=200, description="The QA tool's id")
    contact: Text | None = Field(
        None, min_length=1, max_length=200, description="External id of the evaluated contact"
    )
    contact_source: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9._-]*$",  # a source name, as registered
        description="Name of the source the contact came through (default: the evaluation's "
        "source); a tenant may name the operator's source for its own contacts",
    )
    agent: Text | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The evaluated agent; for a contact, defaults to the contact's agent",
    )
    day: IsoDate | None = Field(None, description="The agent's evaluated day (without contact)")
    contract_id: uuid.UUID | None = Field(None, description="Only for an agent's day")
    queue: Text | None = Field(
        None, min_length=1, max_length=200, description="Only for an agent's day"
    )
    channel: Channel | None = Field(None, description="Only for an agent's day")
    evaluated_at: AwareDateTime = Field(
        description="When the evaluation was made: the period it counts in"
    )
    score: Score = Field(description="0..100 points, at most two decimals")
    form: Text | None = Field(None, max_length=200, description="The evaluation form's name")
    evaluator: Text | None = Field(None, max_length=200)
    updated_at: AwareDateTime | None = Field(
        None,
        description="Version of the evaluation: an older one never replaces a newer one. "
        "Defaults to evaluated_at.",
    )


class EvaluationBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"source": "qa-tool", "records": [CONTACT_EVALUATION_EXAMPLE]}]
        },
    )

    source: Text = Field(min_length=1, max_length=100, description="Name of a registered source")
    records: list[Any] = Field(
        max_length=10_000,
        description="Up to 10,000 evaluations of the EvaluationIn shape; each is validated on "
        "its own, so a bad one is reported without losing the others",
    )


class EvaluationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source_id: uuid.UUID
    external_id: str
    contract_id: uuid.UUID
    client_id: uuid.UUID | None
    contact_source_id: uuid.UUID | None
    contact: str | None = Field(validation_alias="contact_external_id")
    agent: str | None
    day: date | None
    queue: str | None
    channel: str | None
    evaluated_at: datetime
    score: Decimal
    form: str | None
    evaluator: str | None
    updated_at: datetime

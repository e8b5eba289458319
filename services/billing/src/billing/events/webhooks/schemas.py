import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

import httpx
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shared.pagination import Page
from shared.types import JsonInt, Text

EventType = Literal[
    "invoice.issued",
    "invoice.paid",
    "invoice.voided",
    "credit_note.issued",
    "credit_balance.credited",
    "credit_balance.applied",
    "refund.due",
    "refund.refunded",
    "sla.at_risk",
    "sla.lost",
    "sla.recovered",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

# Plain http is accepted only for a receiver on this machine (development).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def check_url(value: str) -> str:
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"not a URL: {exc}") from exc
    if url.scheme not in ("https", "http") or not url.host:
        raise ValueError("must be an absolute https:// URL")
    if url.scheme == "http" and url.host not in LOCAL_HOSTS:
        raise ValueError("must use https (plain http only for localhost or 127.0.0.1)")
    if url.userinfo:
        raise ValueError("must not carry a user name or password")
    if url.fragment:
        raise ValueError("must not have a #fragment")
    return str(url)


def unique_types(value: list[str] | None) -> list[str] | None:
    return None if value is None else sorted(set(value))


WebhookUrl = Annotated[
    Text,
    Field(
        min_length=1,
        max_length=500,
        description="https:// URL the events are POSTed to (http only for localhost)",
    ),
    AfterValidator(check_url),
]
EventTypes = Annotated[
    list[EventType] | None,
    Field(
        min_length=1,
        description="Only these event types (null or absent: every type, new ones included)",
    ),
    AfterValidator(unique_types),
]

EXAMPLE: dict[str, Any] = {
    "url": "https://erp.acme.example/hooks/contrato",
    "event_types": ["invoice.issued", "invoice.paid"],
    "description": "Acme ERP: receivables",
}


class WebhookEndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    url: WebhookUrl
    event_types: EventTypes = None
    description: Text | None = Field(None, max_length=500)
    client_id: uuid.UUID | None = Field(
        None,
        description=(
            "Deliver only this client's events. Client and partner callers scoped to a client "
            "always get their own (omit it or give theirs); operator-wide callers omit it for "
            "every client's events."
        ),
    )


class WebhookEndpointUpdate(BaseModel):
    """Fields to change; absent fields stay as they are (``event_types: null`` means all)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enabled": False}]})

    url: WebhookUrl | None = None
    event_types: EventTypes = None
    description: Text | None = Field(None, max_length=500)
    enabled: bool | None = Field(
        None,
        description=(
            "false pauses delivery; true resumes it where it stopped (events of the pause "
            "are delivered, in order) and clears the backoff"
        ),
    )


class SecretRotate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"expire_previous_after_seconds": 3600}]}
    )

    expire_previous_after_seconds: JsonInt = Field(
        0,
        ge=0,
        le=86_400,
        description=(
            "Keep signing with the previous secret as well for this long (a second "
            "`sha256=` value in Contrato-Signature), so receivers can switch without a gap"
        ),
    )


class DeliveryStatus(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    last_delivered_event_id: uuid.UUID | None
    last_delivered_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    consecutive_failures: int
    failing_since: datetime | None
    next_attempt_at: datetime | None = Field(
        description="While failing: no attempt before this time (exponential backoff)"
    )


class WebhookEndpointRead(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID | None = Field(description="null: every client's events")
    url: str
    description: str | None
    event_types: list[str] | None = Field(description="null: every event type")
    enabled: bool
    disabled_reason: str | None
    revision: int
    created_at: datetime
    updated_at: datetime
    delivery: DeliveryStatus


class WebhookEndpointWithSecret(WebhookEndpointRead):
    secret: str = Field(
        description=(
            "The signing secret. Shown only in this answer: store it now. Verify "
            "`Contrato-Signature: sha256=<hex>` = HMAC-SHA256(secret, raw body)."
        )
    )


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


WebhookEndpointPage = Page[WebhookEndpointRead]
AttemptPage = Page[AttemptRead]

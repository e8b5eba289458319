import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gateway.api_clients.models import ApiClientStatus
from shared.auth import Role
from shared.pagination import Page
from shared.types import JsonInt, Text


class ApiClientCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme Amazon Connect exporter",
                    "role": "partner",
                    "tenant_client_id": "01934f6e-0000-7000-8000-000000000001",
                }
            ]
        },
    )

    name: Text = Field(min_length=1, max_length=200)
    role: Role = Role.partner
    tenant_client_id: uuid.UUID | None = Field(
        None, description="The client organization the tokens are limited to (partner, client)"
    )
    token_ttl_seconds: JsonInt = Field(900, ge=60, le=3600)


class ApiClientRotate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"grace_seconds": 3600}]}
    )

    grace_seconds: JsonInt = Field(
        0, ge=0, le=7 * 86400, description="How long the previous secret keeps working"
    )


class ApiClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: str
    name: str
    role: Role
    tenant_client_id: uuid.UUID | None
    status: ApiClientStatus
    token_ttl_seconds: int
    created_by: str
    created_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None
    last_token_at: datetime | None


class ApiClientWithSecret(ApiClientRead):
    client_secret: str = Field(description="Shown once. Store it now; only a hash is kept.")


ApiClientPage = Page[ApiClientRead]


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    scope: str = ""

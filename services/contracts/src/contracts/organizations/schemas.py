import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from contracts.organizations.models import OrganizationKind, OrganizationStatus
from shared.pagination import Page
from shared.types import CountryCode, Text, TimeZoneName

EXAMPLE: dict[str, Any] = {
    "kind": "client",
    "legal_name": "Acme Telecom S.A.",
    "display_name": "Acme",
    "country": "BR",
    "tax_id": "12.345.678/0001-90",
    "billing_email": "ap@acme.example",
    "time_zone": "America/Sao_Paulo",
}


class OrganizationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    kind: OrganizationKind = OrganizationKind.client
    operator_id: uuid.UUID | None = Field(
        None, description="For a client: its operator. Defaults to the deployment's operator."
    )
    legal_name: Text = Field(min_length=1, max_length=300)
    display_name: Text = Field(min_length=1, max_length=200)
    country: CountryCode
    tax_id: Text | None = Field(None, max_length=50)
    billing_email: EmailStr | None = None
    time_zone: TimeZoneName


class OrganizationUpdate(BaseModel):
    """Partial update: only the fields sent change."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"billing_email": "finance@acme.example"}]}
    )

    legal_name: Text | None = Field(None, min_length=1, max_length=300)
    display_name: Text | None = Field(None, min_length=1, max_length=200)
    country: CountryCode | None = None
    tax_id: Text | None = Field(None, max_length=50)
    billing_email: EmailStr | None = None
    time_zone: TimeZoneName | None = None
    status: OrganizationStatus | None = None


class OrganizationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: OrganizationKind
    operator_id: uuid.UUID | None
    legal_name: str
    display_name: str
    country: str
    tax_id: str | None
    billing_email: str | None
    time_zone: str
    status: OrganizationStatus
    revision: int
    created_at: datetime
    updated_at: datetime


OrganizationPage = Page[OrganizationRead]

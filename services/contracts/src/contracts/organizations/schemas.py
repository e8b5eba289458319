import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from contracts.organizations.models import OrganizationKind, OrganizationStatus
from shared.pagination import Page
from shared.types import CountryCode, Text, TimeZoneName


def _iban(value: str) -> str:
    # Spaces as printed are allowed; the check digits (ISO 13616, mod 97) catch typos.
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", compact):
        raise ValueError("is not an IBAN (country, check digits, then 11 to 30 letters or digits)")
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    if int(digits) % 97 != 1:
        raise ValueError("has wrong check digits")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


IbanText = Annotated[
    str, Field(max_length=42, examples=["DE89 3704 0044 0532 0130 00"]), AfterValidator(_iban)
]
SwiftBic = Annotated[
    str,
    Field(pattern=r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$", examples=["BRASBRRJXXX"]),
]

ADDRESS_EXAMPLE: dict[str, Any] = {
    "lines": ["Av. Paulista, 1000", "10º andar"],
    "city": "São Paulo",
    "region": "SP",
    "postal_code": "01310-100",
    "country": "BR",
}
REMITTANCE_EXAMPLE: dict[str, Any] = {
    "payee": "Contact Partners Serviços Ltda.",
    "bank": "Banco do Brasil S.A.",
    "account": "Agência 1234-5, conta 67890-1",
    "iban": None,
    "swift_bic": "BRASBRRJXXX",
    "reference_instructions": "Quote the invoice number as the payment reference.",
}


class PostalAddress(BaseModel):
    """Where an organization receives mail; printed on invoices as the billing address."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ADDRESS_EXAMPLE]})

    lines: list[Annotated[Text, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=4, description="Street, number, building: 1 to 4 lines"
    )
    city: Text = Field(min_length=1, max_length=100)
    region: Text | None = Field(None, max_length=100, description="State, province or county")
    postal_code: Text | None = Field(None, max_length=20)
    country: CountryCode


class Remittance(BaseModel):
    """How the operator is paid: printed on every invoice it issues. At least one of
    ``account`` and ``iban`` says where the money goes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [REMITTANCE_EXAMPLE]})

    payee: Text = Field(min_length=1, max_length=300, description="Account holder")
    bank: Text = Field(min_length=1, max_length=200)
    account: Text | None = Field(None, max_length=100, description="Account number, any form")
    iban: IbanText | None = None
    swift_bic: SwiftBic | None = None
    reference_instructions: Text | None = Field(
        None, max_length=500, description="What to quote as the payment reference"
    )

    @model_validator(mode="after")
    def _somewhere_to_pay(self) -> Self:
        if self.account is None and self.iban is None:
            raise ValueError("give account or iban (or both)")
        return self


EXAMPLE: dict[str, Any] = {
    "kind": "client",
    "legal_name": "Acme Telecom S.A.",
    "display_name": "Acme",
    "country": "BR",
    "tax_id": "12.345.678/0001-90",
    "billing_email": "ap@acme.example",
    "time_zone": "America/Sao_Paulo",
    "postal_address": ADDRESS_EXAMPLE,
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
    postal_address: PostalAddress | None = None
    remittance: Remittance | None = Field(
        None, description="Only the operator's: how clients pay its invoices"
    )


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
    postal_address: PostalAddress | None = None
    remittance: Remittance | None = None


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
    postal_address: PostalAddress | None
    remittance: Remittance | None
    status: OrganizationStatus
    revision: int
    created_at: datetime
    updated_at: datetime


OrganizationPage = Page[OrganizationRead]

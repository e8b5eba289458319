import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from billing.credit_balances.models import CreditEntryKind, RefundStatus
from shared.money import Amount, InCurrency
from shared.pagination import Page
from shared.types import IsoDate, Text


class CurrencyBalance(InCurrency):
    currency: str
    balance: Amount = Field(description="Credit the client's next invoices will use")


class CreditBalanceRead(BaseModel):
    client_id: uuid.UUID
    balances: list[CurrencyBalance] = Field(description="One per currency the client has had")


class CreditEntryRead(InCurrency):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: uuid.UUID
    currency: str
    kind: CreditEntryKind = Field(
        description="credit_note: a credit note's excess added; applied: used by an invoice"
    )
    amount: Amount = Field(description="Positive when added, negative when applied")
    balance_after: Amount
    credit_note_id: uuid.UUID
    credit_note_number: str
    invoice_id: uuid.UUID = Field(
        description="credit_note: the invoice credited; applied: the invoice it reduced"
    )
    invoice_number: str | None
    created_at: datetime


CreditEntryPage = Page[CreditEntryRead]


class RefundRead(InCurrency):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: uuid.UUID
    currency: str
    amount: Amount
    credit_note_id: uuid.UUID
    credit_note_number: str
    invoice_id: uuid.UUID
    status: RefundStatus
    reference: str | None
    refunded_on: date | None
    refunded_at: datetime | None
    created_at: datetime


RefundPage = Page[RefundRead]


class RefundPaid(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reference": "WIRE-OUT 2291", "refunded_on": "2026-03-04"}]
        },
    )

    reference: Text = Field(min_length=1, max_length=200, description="The transfer's reference")
    refunded_on: IsoDate

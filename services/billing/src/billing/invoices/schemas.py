import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from billing.invoices.models import InvoiceStatus
from billing.pricing.plan import PositiveMoney
from shared.money import Amount, InCurrency, MaybePlainDecimal, PlainDecimal
from shared.pagination import Page
from shared.periods import CalendarMonth
from shared.types import IsoDate, Text


class InvoiceCreate(BaseModel):
    """Create the draft of a contract's period, or recompute it if it is still a draft."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"contract_id": "0195f3a4-6b1c-7c2e-9a5d-3f4e5a6b7c8d", "period": "2026-01"}
            ]
        },
    )

    contract_id: uuid.UUID
    period: CalendarMonth


class LineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    position: int
    kind: str = Field(description="charge | one_time | true_up | credit | bonus | termination_fee")
    description: str
    charge_key: str | None
    charge_model: str | None
    plan_version: int | None
    quantity: PlainDecimal
    unit_price: MaybePlainDecimal
    tier: int | None
    amount: Amount
    source: dict[str, Any] = Field(description="Where the figure came from (metric, query...)")
    sla_key: str | None
    sla_target: str | None
    sla_measured: str | None
    report_id: str | None


class InvoiceSummary(InCurrency):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str | None
    status: InvoiceStatus
    operator_id: uuid.UUID
    client_id: uuid.UUID
    contract_id: uuid.UUID
    contract_number: str | None
    period: str
    period_start: date
    period_end: date
    service_from: date
    service_to: date
    currency: str
    price_plan_id: uuid.UUID
    plan_version: int
    sla_report_id: str | None
    issue_date: date | None
    due_date: date | None
    payment_terms_days: int
    subtotal: Amount
    tax_rate_percent: MaybePlainDecimal
    tax: Amount
    total: Amount
    amount_paid: Amount
    amount_credited: Amount
    credit_applied: Amount = Field(
        Decimal(0), description="The client's credit balance applied at issue (see credits_applied)"
    )
    balance: Amount
    revision: int
    computed_at: datetime = Field(description="When the lines were last (re)computed")
    issued_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None


class DocumentRef(BaseModel):
    """A credit note or payment recorded against the invoice."""

    id: uuid.UUID
    number: str | None = None
    date: date
    amount: Amount
    reference: str | None = None


class InvoiceRead(InvoiceSummary):
    tax_name: str | None = Field(None, description="The tax rate's name, when the plan names one")
    credit_base: Amount
    at_risk: Amount
    credit_terms: dict[str, Any] | None = Field(
        None,
        description="The contract's at-risk, credit-cap and pool-cap percents the credits used",
    )
    seller: dict[str, Any]
    buyer: dict[str, Any]
    service_levels: list[dict[str, Any]]
    lines: list[LineRead]
    credit_notes: list[DocumentRef] = []
    payments: list[DocumentRef] = []
    credits_applied: list[DocumentRef] = Field(
        default=[],
        description="Credit applied from the client's balance: the credit notes it came from",
    )


InvoicePage = Page[InvoiceSummary]


class InvoiceIssue(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"issue_date": "2026-11-01"}]}
    )

    issue_date: IsoDate | None = Field(None, description="Defaults to today (UTC)")


class InvoiceVoid(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Duplicate of a manual invoice"}]},
    )

    reason: Text = Field(min_length=1, max_length=2000)


class CreditNoteLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_line_key: Text | None = Field(None, description="The invoice line corrected, if any")
    description: Text | None = Field(None, max_length=500)
    amount: PositiveMoney = Field(description="Net amount credited (positive)")


class CreditNoteCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "invoice_id": "0195f3a4-6b1c-7c2e-9a5d-3f4e5a6b7c8d",
                    "reason": "Minutes double-counted on 14 January",
                    "lines": [{"invoice_line_key": "charge:contacts", "amount": "120.00"}],
                },
                {"invoice_id": "0195f3a4-6b1c-7c2e-9a5d-3f4e5a6b7c8d", "reason": "Cancelled"},
            ]
        },
    )

    invoice_id: uuid.UUID
    reason: Text = Field(min_length=1, max_length=2000)
    lines: list[CreditNoteLineIn] | None = Field(
        None, description="Partial credit; omit to credit the whole invoice"
    )
    issue_date: IsoDate | None = None
    excess: Literal["credit_balance", "refund"] = Field(
        "credit_balance",
        description="Where the part beyond the invoice's balance due goes (a paid invoice): the "
        "client's credit balance, applied to its next invoice, or a refund due",
    )


class CreditNoteLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    invoice_line_key: str | None
    description: str
    amount: Amount


class CreditNoteRead(InCurrency):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    invoice_id: uuid.UUID
    client_id: uuid.UUID
    contract_id: uuid.UUID
    reason: str
    full: bool
    currency: str
    subtotal: Amount
    tax: Amount
    total: Amount
    issue_date: date
    excess: Amount = Field(description="What it credited beyond the invoice's balance due")
    excess_to: Literal["credit_balance", "refund"] | None
    created_at: datetime
    lines: list[CreditNoteLineRead] = []


CreditNotePage = Page[CreditNoteRead]


class PaymentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "invoice_id": "0195f3a4-6b1c-7c2e-9a5d-3f4e5a6b7c8d",
                    "amount": "1000.00",
                    "received_on": "2026-02-20",
                    "reference": "WIRE 7781",
                }
            ]
        },
    )

    invoice_id: uuid.UUID
    amount: PositiveMoney
    received_on: IsoDate
    reference: Text | None = Field(None, max_length=200)
    method: Text | None = Field(None, max_length=40)


class PaymentRead(InCurrency):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    invoice_id: uuid.UUID
    client_id: uuid.UUID
    amount: Amount
    currency: str
    received_on: date
    reference: str | None
    method: str | None
    created_at: datetime


PaymentPage = Page[PaymentRead]

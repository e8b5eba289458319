"""Every table of the service, imported in one place for Alembic."""

from billing.base import Base, idempotency
from billing.credit_balances.models import CreditEntry, Refund
from billing.events.models import OutboxEvent
from billing.events.webhooks.models import WebhookAttempt, WebhookEndpoint
from billing.invoice_runs.models import InvoiceRun, InvoiceRunItem
from billing.invoices.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    NumberCounter,
    Payment,
)
from billing.price_plans.models import PricePlan, PricePlanVersion
from billing.risk.models import SlaLevelStatus
from billing.tax_rates.models import TaxRate

__all__ = [
    "Base",
    "CreditEntry",
    "CreditNote",
    "CreditNoteLine",
    "Invoice",
    "InvoiceLine",
    "InvoiceRun",
    "InvoiceRunItem",
    "NumberCounter",
    "OutboxEvent",
    "Payment",
    "PricePlan",
    "PricePlanVersion",
    "Refund",
    "SlaLevelStatus",
    "TaxRate",
    "WebhookAttempt",
    "WebhookEndpoint",
    "idempotency",
]

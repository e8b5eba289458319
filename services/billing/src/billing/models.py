"""Every table of the service, imported in one place for Alembic."""

from billing.base import Base, idempotency
from billing.tax_rates.models import TaxRate

__all__ = ["Base", "TaxRate", "idempotency"]

"""Every table of the service, imported in one place for Alembic."""

from contracts.base import Base, idempotency
from contracts.organizations.models import Organization

__all__ = ["Base", "Organization", "idempotency"]

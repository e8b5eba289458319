"""Every table of the service, imported in one place for Alembic."""

from metrics.base import Base, idempotency
from metrics.sources.models import Source

__all__ = ["Base", "Source", "idempotency"]

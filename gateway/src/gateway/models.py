"""Every table of the gateway, imported in one place for Alembic."""

from gateway.api_clients.models import ApiClient
from gateway.base import Base, idempotency

__all__ = ["ApiClient", "Base", "idempotency"]

"""Every table of the service, imported in one place for Alembic."""

from contracts.base import Base, idempotency
from contracts.contracts.models import (
    Contract,
    ContractEvent,
    ContractNumberCounter,
    ContractSigner,
    ContractVersion,
)
from contracts.organizations.models import Organization

__all__ = [
    "Base",
    "Contract",
    "ContractEvent",
    "ContractNumberCounter",
    "ContractSigner",
    "ContractVersion",
    "Organization",
    "idempotency",
]

"""Reading contact records as the caller may (CONTRIBUTING.md, "Tenancy")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from metrics.contracts_client import ContractsClient
from metrics.records.models import ContactRecord
from metrics.records.repository import RecordRepository
from shared.auth import Principal
from shared.pagination import PageParams


async def own_contract(
    contracts: ContractsClient, principal: Principal, contract_id: uuid.UUID | None
) -> uuid.UUID | None:
    """A contract a tenant-scoped caller names, once the contracts service confirmed it is the
    caller's own (it answers 404 for another tenant's: raised as NotFound); None otherwise."""
    if principal.tenant_client_id is None or contract_id is None:
        return None
    today = datetime.now(UTC).date()
    await contracts.service_terms(contract_id, today, today, token=principal.token)
    return contract_id


class RecordService:
    def __init__(self, repository: RecordRepository, contracts: ContractsClient) -> None:
        self.repository = repository
        self.contracts = contracts

    async def list_contacts(
        self,
        principal: Principal,
        params: PageParams,
        *,
        contract_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
    ) -> tuple[list[ContactRecord], str | None]:
        """A contract of the caller's own lists all its records, also those pushed without a
        client; otherwise a tenant reads its client's."""
        own = await own_contract(self.contracts, principal, contract_id)
        return await self.repository.list_contacts(
            self.repository.readable(principal, own_contract=own),
            params,
            contract_id=contract_id,
            start=start,
            end=end,
        )

"""Reading contracts: search, reminders and the event log. What other services read is in
``published/``."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from contracts.contracts.models import ContractEvent
from contracts.contracts.repository import ContractFilter, ContractRepository, ContractRow
from contracts.contracts.schemas import Reminder, ReminderKind
from contracts.contracts.service import ContractService
from contracts.contracts.views import contract_summary
from shared.auth import Principal
from shared.pagination import PageParams


class ContractReader:
    def __init__(self, service: ContractService) -> None:
        self.service = service
        self.repository: ContractRepository = service.repository

    async def search(
        self, principal: Principal, filters: ContractFilter, params: PageParams
    ) -> tuple[list[ContractRow], str | None]:
        return await self.repository.search(filters.scoped_to(principal.tenant_client_id), params)

    async def reminders(
        self, principal: Principal, within_days: int, params: PageParams, today: date | None
    ) -> tuple[list[Reminder], str | None]:
        """Contracts whose notice deadline or end falls within ``within_days`` of today."""
        start = today or datetime.now(UTC).date()
        until = start + timedelta(days=within_days)
        filters = ContractFilter(due_between=(start, until)).scoped_to(principal.tenant_client_id)
        rows, cursor = await self.repository.search(filters, params)
        reminders = []
        for row in rows:
            c = row.contract
            if c.notice_deadline is not None and start <= c.notice_deadline <= until:
                kind, due = ReminderKind.notice_deadline, c.notice_deadline
            else:
                assert c.final_end is not None
                kind, due = ReminderKind.end, c.final_end
            reminders.append(
                Reminder(
                    contract=contract_summary(c, row.client_name),
                    kind=kind,
                    due_on=due,
                    days_left=(due - start).days,
                )
            )
        return reminders, cursor

    async def events(
        self,
        principal: Principal,
        params: PageParams,
        *,
        contract_id: uuid.UUID | None = None,
        type: str | None = None,
    ) -> tuple[list[ContractEvent], str | None]:
        if contract_id is not None:
            await self.service.load(principal, contract_id)
        return await self.repository.events(
            params, contract_id=contract_id, client_id=principal.tenant_client_id, type=type
        )

"""Contracts: loading, the derived status (recomputed on every write and by the daily job) and
the event log — what every other part of a contract's life goes through.

Drafting and amendments live in ``drafting.py``, the stage workflow and signatures in
``signing/``, documents in ``documents/``, what other services read in ``published/``,
termination in ``termination.py``, rules that need the database in ``checks.py``; the pure rules
in ``rules/``. SQL lives in the repository. Every write recomputes the status and logs an event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contracts.contracts.checks import ContractChecks
from contracts.contracts.loaded import Loaded
from contracts.contracts.models import (
    Contract,
    ContractEvent,
    ContractSigner,
)
from contracts.contracts.repository import ContractRepository
from contracts.contracts.rules.lifecycle import (
    FINAL,
    Status,
)
from contracts.contracts.rules.snapshot import (
    elements_of,
    latest_rule,
    natural_final_end,
    state_on,
    term_rule,
)
from contracts.errors import ContractNotFound
from contracts.organizations.repository import OrganizationRepository
from shared.auth import Principal

Clock = Callable[[], datetime]
SYSTEM = "system"


def utc_now() -> datetime:
    return datetime.now(UTC)


class ContractService:
    def __init__(
        self,
        repository: ContractRepository,
        organizations: OrganizationRepository,
        clock: Clock = utc_now,
    ) -> None:
        self.repository = repository
        self.organizations = organizations
        self.clock = clock
        self.checks = ContractChecks(repository)

    def today(self, time_zone: str) -> date:
        return self.clock().astimezone(ZoneInfo(time_zone)).date()

    # --- loading ---------------------------------------------------------------------------

    async def load(
        self, principal: Principal, contract_id: uuid.UUID, *, for_update: bool = False
    ) -> Loaded:
        contract = await self.repository.get(contract_id, for_update=for_update)
        # Another tenant's contract answers exactly like a missing one.
        if contract is None or not principal.can_see_client(contract.client_id):
            raise ContractNotFound(f"no contract {contract_id}")
        return Loaded(contract, await self.repository.versions(contract.id))

    async def client_name(self, contract: Contract) -> str:
        return await self.repository.client_name(contract.client_id)

    # --- status ----------------------------------------------------------------------------

    async def refresh(self, contract_id: uuid.UUID, on: date | None = None) -> tuple[bool, int]:
        """Recompute one contract's status (the daily job); returns (changed, events added)."""
        contract = await self.repository.get(contract_id, for_update=True)
        if contract is None:
            return False, 0
        loaded = Loaded(contract, await self.repository.versions(contract_id))
        before = (contract.status, contract.renewals_done, contract.period_end)
        added = await self.recompute(loaded, on)
        changed = before != (contract.status, contract.renewals_done, contract.period_end)
        if changed:
            contract.revision += 1
            contract.updated_at = self.clock()
        await self.repository.flush()
        return changed, added

    async def refresh_batch(
        self, after: uuid.UUID | None, on: date | None = None, batch: int = 200
    ) -> tuple[uuid.UUID | None, int, int, int]:
        """Refresh the next ``batch`` contracts after ``after``; returns (last id or None
        when done, checked, changed, events)."""
        ids = await self.repository.ids_to_refresh(after, batch)
        changed = events = 0
        for contract_id in ids:
            did_change, added = await self.refresh(contract_id, on)
            changed += did_change
            events += added
        return (ids[-1] if ids else None), len(ids), changed, events

    async def refresh_all(self, on: date | None = None) -> tuple[int, int, int]:
        """Refresh every contract not yet over, in the caller's transaction."""
        totals = [0, 0, 0]
        after: uuid.UUID | None = None
        while True:
            after, *counts = await self.refresh_batch(after, on)
            if after is None:
                return totals[0], totals[1], totals[2]
            totals = [t + c for t, c in zip(totals, counts, strict=True)]

    async def recompute(self, loaded: Loaded, on: date | None = None) -> int:
        """Derive status and the stored dates; log what changed (activation, renewal ...)."""
        contract, versions = loaded.contract, loaded.versions
        day = on or self.today(contract.time_zone)
        first = min(versions, key=lambda v: v.version)
        contract.stage = first.stage
        draft_term = elements_of(first).term
        state = state_on(contract, versions, day)
        before_status, before_renewals = contract.status, contract.renewals_done
        pos = state.position
        contract.start_date = draft_term.start_date if draft_term else None
        contract.status = state.status
        contract.status_on = day
        contract.period_end = pos.period_end if pos else None
        contract.notice_deadline = pos.notice_deadline if pos else None
        contract.renewals_done = pos.renewals_done if pos else 0
        rule = latest_rule(versions) or (term_rule(elements_of(first)))
        contract.final_end = (
            natural_final_end(rule, contract.termination_effective_date) if rule else None
        )
        if contract.superseded_on is not None:  # in force up to the successor's start
            handed_over = contract.superseded_on - timedelta(days=1)
            if contract.final_end is None or contract.final_end > handed_over:
                contract.final_end = handed_over
        added = 0
        renewed = pos is not None and pos.renewals_done > before_renewals
        if renewed and before_status is not None and state.status not in FINAL:
            assert pos is not None
            await self.log_event(
                loaded,
                "contract.renewed",
                SYSTEM,
                state.version.version if state.version else None,
                renewals_done=pos.renewals_done,
                period_start=pos.period_start.isoformat(),
                period_end=pos.period_end.isoformat() if pos.period_end else None,
                notice_deadline=pos.notice_deadline.isoformat() if pos.notice_deadline else None,
                on=day.isoformat(),
            )
            added += 1
        if state.status is not None and state.status != before_status:
            data: dict[str, Any] = {"from_status": before_status, "on": day.isoformat()}
            if state.status is Status.expiring and pos is not None:
                data["notice_deadline"] = (
                    pos.notice_deadline.isoformat() if pos.notice_deadline else None
                )
                data["period_end"] = pos.period_end.isoformat() if pos.period_end else None
            await self.log_event(loaded, f"contract.{state.status.value}", SYSTEM, None, **data)
            added += 1
        await self.repository.flush()
        return added

    # --- helpers ---------------------------------------------------------------------------

    async def touch(
        self,
        loaded: Loaded,
        event: str | None,
        actor: str,
        version: int | None,
        **data: Any,
    ) -> None:
        loaded.contract.revision += 1
        loaded.contract.updated_at = self.clock()
        if event is not None:
            await self.log_event(loaded, event, actor, version, **data)
        await self.recompute(loaded)

    async def log_event(
        self, loaded: Loaded, event_type: str, actor: str, version: int | None, **data: Any
    ) -> None:
        await self.repository.add(
            ContractEvent(
                contract_id=loaded.contract.id,
                client_id=loaded.contract.client_id,
                type=event_type,
                version=version,
                actor=actor,
                occurred_at=self.clock(),
                data={k: v for k, v in data.items() if v is not None},
            )
        )

    async def signers(self, loaded: Loaded, number: int) -> Sequence[ContractSigner]:
        loaded.version(number)
        return await self.repository.signers(loaded.contract.id, number)

"""Contracts: loading, drafting, amendments, the derived status and the event log.

The stage workflow and signatures live in ``signing/``, documents in ``documents/``, what other
services read in ``published/``, termination in ``termination.py``, rules that need the database
in ``checks.py``; the pure rules in ``rules/``. SQL lives in the repository. Every write
recomputes the status and logs an event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contracts.contracts.checks import ContractChecks
from contracts.contracts.elements import ELEMENT_NAMES, KeyElements
from contracts.contracts.loaded import Loaded
from contracts.contracts.models import (
    Contract,
    ContractEvent,
    ContractSigner,
    ContractVersion,
)
from contracts.contracts.repository import ContractRepository
from contracts.contracts.rules.lifecycle import (
    FINAL,
    Stage,
    Status,
    allowed_actions,
)
from contracts.contracts.rules.snapshot import (
    elements_of,
    latest_rule,
    natural_final_end,
    open_version,
    signed,
    state_on,
    term_rule,
)
from contracts.contracts.rules.validation import (
    raise_if,
)
from contracts.contracts.schemas import (
    AmendmentCreate,
    ContractCreate,
    ContractUpdate,
    VersionUpdate,
)
from contracts.errors import ContractConflict, ContractNotFound, NotEditable
from contracts.organizations.models import OrganizationKind, OrganizationStatus
from contracts.organizations.repository import OrganizationRepository
from shared.auth import Principal
from shared.errors import FieldError, ValidationFailed
from shared.etag import check_if_match

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

    # --- drafting --------------------------------------------------------------------------

    async def create(self, principal: Principal, data: ContractCreate) -> Loaded:
        errors: list[FieldError] = []
        client = await self.organizations.get(data.client_id)
        if (
            client is None
            or client.kind is not OrganizationKind.client
            or not principal.can_see_client(client.id)
        ):
            raise ValidationFailed.on("client_id", "no client with this id")
        if client.status is OrganizationStatus.inactive:
            raise ValidationFailed.on("client_id", f"{client.display_name} is inactive")
        assert client.operator_id is not None
        errors += await self.checks.links(data.type, client.id, data.parent_id, None)
        if data.supersedes_id is not None:
            old = await self.repository.get(data.supersedes_id)
            if old is None or old.client_id != client.id or old.stage is not Stage.signed:
                errors.append(
                    FieldError("supersedes_id", "not a signed contract of the same client")
                )
        elements = KeyElements.model_validate(data.model_dump(include=set(ELEMENT_NAMES)))
        errors += await self.checks.elements(
            elements, data.type, data.currency, None, client.id, data.supersedes_id
        )
        raise_if(errors)
        now = self.clock()
        number = await self.repository.next_number(now.year)
        contract = Contract(
            operator_id=client.operator_id,
            client_id=client.id,
            parent_id=data.parent_id,
            supersedes_id=data.supersedes_id,
            type=data.type,
            number=f"CT-{now.year}-{number:04d}",
            title=data.title,
            currency=data.currency,
            time_zone=data.time_zone or client.time_zone,
            stage=Stage.draft,
            renewals_done=0,
            revision=1,
            created_by=principal.subject,
        )
        await self.repository.add(contract)
        version = ContractVersion(
            contract_id=contract.id,
            version=1,
            stage=Stage.draft,
            effective_from=elements.term.start_date if elements.term else None,
            elements=elements.model_dump(mode="json"),
            created_by=principal.subject,
        )
        await self.repository.add(version)
        loaded = Loaded(contract, [version])
        await self.log_event(
            loaded, "contract.created", principal.subject, 1, number=contract.number
        )
        await self.recompute(loaded)
        return loaded

    async def update(
        self,
        principal: Principal,
        contract_id: uuid.UUID,
        data: ContractUpdate,
        if_match: str | None,
    ) -> Loaded:
        loaded = await self.load(principal, contract_id, for_update=True)
        contract = loaded.contract
        check_if_match(if_match, contract.revision)
        version = loaded.version(1)
        self.require_draft(version)
        changes = data.model_dump(exclude_unset=True)
        for field in ("title", "currency", "time_zone"):
            if field in changes and changes[field] is None:
                raise ValidationFailed.on(field, "may not be null")
        header = {k: v for k, v in changes.items() if k not in ELEMENT_NAMES}
        errors: list[FieldError] = []
        if "parent_id" in header:
            errors += await self.checks.links(
                contract.type, contract.client_id, header["parent_id"], contract.id
            )
        currency = header.get("currency", contract.currency)
        elements = self.merged(version, data)
        errors += await self.checks.elements(
            elements,
            contract.type,
            currency,
            contract.id,
            contract.client_id,
            contract.supersedes_id,
        )
        raise_if(errors)
        for field, value in header.items():
            setattr(contract, field, value)
        version.elements = elements.model_dump(mode="json")
        version.effective_from = elements.term.start_date if elements.term else None
        await self.touch(loaded, "contract.updated", principal.subject, 1, fields=sorted(changes))
        return loaded

    async def update_version(
        self,
        principal: Principal,
        contract_id: uuid.UUID,
        number: int,
        data: VersionUpdate,
        if_match: str | None,
    ) -> Loaded:
        loaded = await self.load(principal, contract_id, for_update=True)
        contract = loaded.contract
        check_if_match(if_match, contract.revision)
        version = loaded.version(number)
        self.require_draft(version)
        changes = data.model_dump(exclude_unset=True)
        if number == 1 and {"effective_from", "change_summary"} & changes.keys():
            raise ValidationFailed.on(
                "effective_from", "version 1 takes effect on term.start_date; amend instead"
            )
        elements = self.merged(version, data)
        errors = await self.checks.elements(
            elements,
            contract.type,
            contract.currency,
            contract.id,
            contract.client_id,
            contract.supersedes_id,
        )
        if number > 1:
            effective = changes.get("effective_from") or version.effective_from
            errors += self.checks.amendment(loaded, elements, effective)
        raise_if(errors)
        version.elements = elements.model_dump(mode="json")
        if number == 1:
            version.effective_from = elements.term.start_date if elements.term else None
        else:
            version.effective_from = changes.get("effective_from", version.effective_from)
            version.change_summary = changes.get("change_summary", version.change_summary)
        await self.touch(
            loaded, "contract.updated", principal.subject, number, fields=sorted(changes)
        )
        return loaded

    async def amend(
        self, principal: Principal, contract_id: uuid.UUID, data: AmendmentCreate
    ) -> Loaded:
        loaded = await self.load(principal, contract_id, for_update=True)
        contract = loaded.contract
        if contract.stage is not Stage.signed:
            raise ContractConflict(
                f"{contract.number} is not signed yet: edit the draft instead of amending it",
                stage=contract.stage.value,
            )
        if (working := open_version(loaded.versions)) is not None:
            raise ContractConflict(
                f"version {working.version} is already in the workflow ({working.stage.value}); "
                "finish or cancel it first",
                open_version=working.version,
            )
        if contract.status in FINAL:
            raise ContractConflict(f"{contract.number} is {contract.status}; it cannot be amended")
        latest = signed(loaded.versions)[-1]
        elements = self.merged(latest, data)
        errors = await self.checks.elements(
            elements,
            contract.type,
            contract.currency,
            contract.id,
            contract.client_id,
            contract.supersedes_id,
        )
        errors += self.checks.amendment(loaded, elements, data.effective_from)
        raise_if(errors)
        number = max(v.version for v in loaded.versions) + 1
        version = ContractVersion(
            contract_id=contract.id,
            version=number,
            stage=Stage.draft,
            effective_from=data.effective_from,
            change_summary=data.change_summary,
            elements=elements.model_dump(mode="json"),
            created_by=principal.subject,
        )
        await self.repository.add(version)
        loaded.versions.append(version)
        await self.touch(
            loaded,
            "contract.amendment_drafted",
            principal.subject,
            number,
            effective_from=data.effective_from.isoformat(),
            change_summary=data.change_summary,
            elements=sorted(data.model_fields_set & set(ELEMENT_NAMES)),
        )
        return loaded

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

    @staticmethod
    def require_draft(version: ContractVersion) -> None:
        if version.stage is not Stage.draft:
            raise NotEditable(
                f"version {version.version} is {version.stage.value}; only a draft is editable"
                + ("" if version.stage is Stage.signed else " (return it to draft first)"),
                stage=version.stage.value,
                allowed_actions=[a.value for a in allowed_actions(version.stage)],
            )

    @staticmethod
    def merged(version: ContractVersion, data: KeyElements) -> KeyElements:
        merged = dict(version.elements)
        for name in data.model_fields_set & set(ELEMENT_NAMES):
            merged[name] = data.model_dump(mode="json", include={name})[name]
        return KeyElements.model_validate(merged)

    async def signers(self, loaded: Loaded, number: int) -> Sequence[ContractSigner]:
        loaded.version(number)
        return await self.repository.signers(loaded.contract.id, number)

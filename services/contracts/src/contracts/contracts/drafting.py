"""Drafting: a new contract, edits of a draft (the contract or a draft amendment), and
amendments of a signed contract. Every write goes through the contract service, which
recomputes the status and logs the event."""

from __future__ import annotations

import uuid

from contracts.contracts.elements import ELEMENT_NAMES, KeyElements
from contracts.contracts.loaded import Loaded
from contracts.contracts.models import Contract, ContractVersion
from contracts.contracts.rules.lifecycle import FINAL, Stage, allowed_actions
from contracts.contracts.rules.snapshot import open_version, signed
from contracts.contracts.rules.validation import raise_if
from contracts.contracts.schemas import (
    AmendmentCreate,
    ContractCreate,
    ContractUpdate,
    VersionUpdate,
)
from contracts.contracts.service import ContractService
from contracts.errors import ContractConflict, NotEditable
from contracts.organizations.models import OrganizationKind, OrganizationStatus
from shared.auth import Principal
from shared.errors import FieldError, ValidationFailed
from shared.etag import check_if_match


class ContractDrafting:
    def __init__(self, service: ContractService) -> None:
        self.service = service
        self.repository = service.repository

    async def create(self, principal: Principal, data: ContractCreate) -> Loaded:
        errors: list[FieldError] = []
        client = await self.service.organizations.get(data.client_id)
        if (
            client is None
            or client.kind is not OrganizationKind.client
            or not principal.can_see_client(client.id)
        ):
            raise ValidationFailed.on("client_id", "no client with this id")
        if client.status is OrganizationStatus.inactive:
            raise ValidationFailed.on("client_id", f"{client.display_name} is inactive")
        assert client.operator_id is not None
        errors += await self.service.checks.links(data.type, client.id, data.parent_id, None)
        if data.supersedes_id is not None:
            old = await self.repository.get(data.supersedes_id)
            if old is None or old.client_id != client.id or old.stage is not Stage.signed:
                errors.append(
                    FieldError("supersedes_id", "not a signed contract of the same client")
                )
        elements = KeyElements.model_validate(data.model_dump(include=set(ELEMENT_NAMES)))
        errors += await self.service.checks.elements(
            elements, data.type, data.currency, None, client.id, data.supersedes_id
        )
        raise_if(errors)
        now = self.service.clock()
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
        await self.service.log_event(
            loaded, "contract.created", principal.subject, 1, number=contract.number
        )
        await self.service.recompute(loaded)
        return loaded

    async def update(
        self,
        principal: Principal,
        contract_id: uuid.UUID,
        data: ContractUpdate,
        if_match: str | None,
    ) -> Loaded:
        loaded = await self.service.load(principal, contract_id, for_update=True)
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
            errors += await self.service.checks.links(
                contract.type, contract.client_id, header["parent_id"], contract.id
            )
        currency = header.get("currency", contract.currency)
        elements = self.merged(version, data)
        errors += await self.service.checks.elements(
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
        await self.service.touch(
            loaded, "contract.updated", principal.subject, 1, fields=sorted(changes)
        )
        return loaded

    async def update_version(
        self,
        principal: Principal,
        contract_id: uuid.UUID,
        number: int,
        data: VersionUpdate,
        if_match: str | None,
    ) -> Loaded:
        loaded = await self.service.load(principal, contract_id, for_update=True)
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
        errors = await self.service.checks.elements(
            elements,
            contract.type,
            contract.currency,
            contract.id,
            contract.client_id,
            contract.supersedes_id,
        )
        if number > 1:
            effective = changes.get("effective_from") or version.effective_from
            errors += self.service.checks.amendment(loaded, elements, effective)
        raise_if(errors)
        version.elements = elements.model_dump(mode="json")
        if number == 1:
            version.effective_from = elements.term.start_date if elements.term else None
        else:
            version.effective_from = changes.get("effective_from", version.effective_from)
            version.change_summary = changes.get("change_summary", version.change_summary)
        await self.service.touch(
            loaded, "contract.updated", principal.subject, number, fields=sorted(changes)
        )
        return loaded

    async def amend(
        self, principal: Principal, contract_id: uuid.UUID, data: AmendmentCreate
    ) -> Loaded:
        loaded = await self.service.load(principal, contract_id, for_update=True)
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
        errors = await self.service.checks.elements(
            elements,
            contract.type,
            contract.currency,
            contract.id,
            contract.client_id,
            contract.supersedes_id,
        )
        errors += self.service.checks.amendment(loaded, elements, data.effective_from)
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
        await self.service.touch(
            loaded,
            "contract.amendment_drafted",
            principal.subject,
            number,
            effective_from=data.effective_from.isoformat(),
            change_summary=data.change_summary,
            elements=sorted(data.model_fields_set & set(ELEMENT_NAMES)),
        )
        return loaded

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

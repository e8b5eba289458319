"""Contracts: drafting, the stage workflow, signatures, amendments and termination.

Rules live here and in the pure modules next to it (terms, lifecycle, validation, snapshot);
SQL lives in the repository. Every write recomputes the derived status and logs an event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from contracts.contracts.documents import DocumentParty, DocumentSource, render_html, sha256
from contracts.contracts.elements import ELEMENT_NAMES, KeyElements
from contracts.contracts.lifecycle import (
    FINAL,
    Action,
    Stage,
    Status,
    allowed_actions,
    next_stage,
)
from contracts.contracts.models import (
    Contract,
    ContractEvent,
    ContractSigner,
    ContractType,
    ContractVersion,
    Party,
)
from contracts.contracts.repository import ContractRepository
from contracts.contracts.schemas import (
    ActionRequest,
    AmendmentCreate,
    ContractCreate,
    ContractUpdate,
    SignatureCreate,
    TerminationCreate,
    TerminationKind,
    VersionUpdate,
)
from contracts.contracts.snapshot import (
    elements_of,
    latest_rule,
    natural_final_end,
    open_version,
    signed,
    state_on,
    term_rule,
)
from contracts.contracts.terms import (
    FeeKind,
    earliest_termination,
    early_termination_fee,
    position,
)
from contracts.contracts.validation import (
    check_complete,
    check_elements,
    raise_if,
)
from contracts.errors import ContractConflict, ContractNotFound, IllegalTransition, NotEditable
from contracts.organizations.models import Organization, OrganizationKind
from contracts.organizations.repository import OrganizationRepository
from shared.auth import Principal, Role
from shared.errors import FieldError, Forbidden, ValidationFailed
from shared.etag import check_if_match
from shared.money import round_money

Clock = Callable[[], datetime]
SYSTEM = "system"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Loaded:
    contract: Contract
    versions: list[ContractVersion]

    def version(self, number: int) -> ContractVersion:
        for v in self.versions:
            if v.version == number:
                return v
        raise ContractNotFound(f"contract {self.contract.number} has no version {number}")


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
        assert client.operator_id is not None
        errors += await self._check_links(data.type, client.id, data.parent_id, None)
        if data.supersedes_id is not None:
            old = await self.repository.get(data.supersedes_id)
            if old is None or old.client_id != client.id or old.stage is not Stage.signed:
                errors.append(
                    FieldError("supersedes_id", "not a signed contract of the same client")
                )
        elements = KeyElements.model_validate(data.model_dump(include=set(ELEMENT_NAMES)))
        errors += await self._check_elements(elements, data.type, data.currency, None, client.id)
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
        await self._event(loaded, "contract.created", principal.subject, 1, number=contract.number)
        await self._recompute(loaded)
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
        self._require_draft(version)
        changes = data.model_dump(exclude_unset=True)
        for field in ("title", "currency", "time_zone"):
            if field in changes and changes[field] is None:
                raise ValidationFailed.on(field, "may not be null")
        header = {k: v for k, v in changes.items() if k not in ELEMENT_NAMES}
        errors: list[FieldError] = []
        if "parent_id" in header:
            errors += await self._check_links(
                contract.type, contract.client_id, header["parent_id"], contract.id
            )
        currency = header.get("currency", contract.currency)
        elements = self._merged(version, data)
        errors += await self._check_elements(
            elements, contract.type, currency, contract.id, contract.client_id
        )
        raise_if(errors)
        for field, value in header.items():
            setattr(contract, field, value)
        version.elements = elements.model_dump(mode="json")
        version.effective_from = elements.term.start_date if elements.term else None
        await self._touch(loaded, "contract.updated", principal.subject, 1, fields=sorted(changes))
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
        self._require_draft(version)
        changes = data.model_dump(exclude_unset=True)
        if number == 1 and {"effective_from", "change_summary"} & changes.keys():
            raise ValidationFailed.on(
                "effective_from", "version 1 takes effect on term.start_date; amend instead"
            )
        elements = self._merged(version, data)
        errors = await self._check_elements(
            elements, contract.type, contract.currency, contract.id, contract.client_id
        )
        if number > 1:
            effective = changes.get("effective_from") or version.effective_from
            errors += self._check_amendment(loaded, elements, effective)
        raise_if(errors)
        version.elements = elements.model_dump(mode="json")
        if number == 1:
            version.effective_from = elements.term.start_date if elements.term else None
        else:
            version.effective_from = changes.get("effective_from", version.effective_from)
            version.change_summary = changes.get("change_summary", version.change_summary)
        await self._touch(
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
        elements = self._merged(latest, data)
        errors = await self._check_elements(
            elements, contract.type, contract.currency, contract.id, contract.client_id
        )
        errors += self._check_amendment(loaded, elements, data.effective_from)
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
        await self._touch(
            loaded,
            "contract.amendment_drafted",
            principal.subject,
            number,
            effective_from=data.effective_from.isoformat(),
            change_summary=data.change_summary,
            elements=sorted(data.model_fields_set & set(ELEMENT_NAMES)),
        )
        return loaded

    # --- workflow --------------------------------------------------------------------------

    async def act(
        self,
        principal: Principal,
        contract_id: uuid.UUID,
        action: Action,
        body: ActionRequest,
        number: int | None = None,
        if_match: str | None = None,
    ) -> Loaded:
        loaded = await self.load(principal, contract_id, for_update=True)
        contract = loaded.contract
        if if_match is not None:
            check_if_match(if_match, contract.revision)
        if number is None:
            version = open_version(loaded.versions)
            if version is None:
                raise IllegalTransition(
                    f"{contract.number} has no version in the workflow; amend it to change it",
                    stage=contract.stage.value,
                    allowed_actions=[],
                )
        else:
            version = loaded.version(number)
        target = next_stage(version.stage, action)
        if target is None:
            allowed = [a.value for a in allowed_actions(version.stage)]
            raise IllegalTransition(
                f"cannot {action.value} version {version.version} in stage {version.stage.value}"
                f"; allowed: {', '.join(allowed) or 'none'}",
                stage=version.stage.value,
                allowed_actions=allowed,
            )
        if action is Action.submit:
            await self._check_ready(loaded, version)
        if action is Action.send_for_signature:
            await self._send_for_signature(loaded, version, body)
        if version.stage is Stage.out_for_signature:  # leaving it: signatures are void
            await self.repository.delete_signers(contract.id, version.version)
            version.document_html = version.document_sha256 = None
        previous = version.stage
        version.stage = target
        await self._touch(
            loaded,
            "contract.stage_changed",
            principal.subject,
            version.version,
            action=action.value,
            from_stage=previous.value,
            to_stage=target.value,
            reason=body.reason,
        )
        return loaded

    async def _check_ready(self, loaded: Loaded, version: ContractVersion) -> None:
        contract = loaded.contract
        elements = elements_of(version)
        errors = check_complete(elements, contract.type)
        errors += await self._check_elements(
            elements, contract.type, contract.currency, contract.id, contract.client_id
        )
        if version.version > 1:
            errors += self._check_amendment(loaded, elements, version.effective_from)
        raise_if(errors)

    async def _send_for_signature(
        self, loaded: Loaded, version: ContractVersion, body: ActionRequest
    ) -> None:
        signers = body.signers or []
        errors = []
        if not signers:
            errors.append(FieldError("signers", "name who must sign", "missing"))
        for party in Party:
            if signers and not any(s.party is party and s.required for s in signers):
                errors.append(FieldError("signers", f"no required signer for the {party.value}"))
        emails = [s.email.lower() for s in signers]
        if len(set(emails)) != len(emails):
            errors.append(FieldError("signers", "an e-mail is listed twice"))
        if len(signers) > 20:
            errors.append(FieldError("signers", "at most 20 signers"))
        raise_if(errors)
        html = await self.render(loaded, version)
        version.document_html = html
        version.document_sha256 = sha256(html)
        await self.repository.add(
            *[
                ContractSigner(
                    contract_id=loaded.contract.id,
                    version=version.version,
                    name=s.name,
                    email=s.email.lower(),
                    role=s.role,
                    party=s.party,
                    required=s.required,
                )
                for s in signers
            ]
        )

    async def sign(
        self,
        principal: Principal,
        contract_id: uuid.UUID,
        data: SignatureCreate,
        *,
        ip: str | None,
        user_agent: str | None,
    ) -> tuple[Loaded, ContractSigner]:
        loaded = await self.load(principal, contract_id, for_update=True)
        contract = loaded.contract
        version = open_version(loaded.versions)
        if version is None or version.stage is not Stage.out_for_signature:
            raise IllegalTransition(
                f"{contract.number} has no version out for signature",
                stage=(version or loaded.version(1)).stage.value,
                allowed_actions=allowed_actions(version.stage) if version else [],
            )
        signers = await self.repository.signers(contract.id, version.version)
        signer = next((s for s in signers if s.email == data.email.lower()), None)
        if signer is None:
            raise ValidationFailed.on("email", "not a signer of this version")
        if principal.role is Role.client and signer.party is not Party.client:
            raise Forbidden("a client user signs for the client only")
        if signer.signed_at is not None:
            raise ContractConflict(f"{signer.email} already signed version {version.version}")
        if data.document_sha256 and data.document_sha256 != version.document_sha256:
            raise ContractConflict(
                "the document you saw is not the one out for signature; reload it",
                document_sha256=version.document_sha256,
            )
        signer.signed_at = self.clock()
        signer.ip = ip
        signer.user_agent = (user_agent or "")[:500] or None
        signer.document_sha256 = version.document_sha256
        await self.repository.flush()
        await self._event(
            loaded,
            "contract.signature_added",
            principal.subject,
            version.version,
            signer=signer.email,
            party=signer.party.value,
            document_sha256=version.document_sha256,
        )
        if all(s.signed_at is not None for s in signers if s.required):
            # Another contract may have been signed for the same queues meanwhile.
            elements = elements_of(version)
            clashes = (
                await self._check_queues(elements, contract.id)
                if elements.scope and elements.term
                else []
            )
            if clashes:
                raise ContractConflict(
                    "a queue of this version was claimed by another contract meanwhile",
                    errors=clashes,
                )
            await self._complete_signature(principal, loaded, version)
        else:
            await self._touch(loaded, None, principal.subject, version.version)
        return loaded, signer

    async def _complete_signature(
        self, principal: Principal, loaded: Loaded, version: ContractVersion
    ) -> None:
        contract = loaded.contract
        version.stage = Stage.signed
        version.signed_at = self.clock()
        kind = "contract.signed" if version.version == 1 else "contract.amended"
        await self._touch(
            loaded,
            kind,
            principal.subject,
            version.version,
            effective_from=version.effective_from.isoformat() if version.effective_from else None,
            document_sha256=version.document_sha256,
        )
        if version.version == 1 and contract.supersedes_id is not None:
            old = await self.load(principal, contract.supersedes_id, for_update=True)
            old.contract.superseded_on = contract.start_date
            await self._touch(
                old,
                "contract.superseded_by",
                principal.subject,
                None,
                successor=contract.number,
                on=contract.start_date.isoformat() if contract.start_date else None,
            )

    # --- termination -----------------------------------------------------------------------

    async def terminate(
        self, principal: Principal, contract_id: uuid.UUID, data: TerminationCreate
    ) -> Loaded:
        loaded = await self.load(principal, contract_id, for_update=True)
        contract = loaded.contract
        today = self.today(contract.time_zone)
        if contract.stage is not Stage.signed:
            raise ContractConflict(
                f"{contract.number} is not signed; cancel it instead",
                allowed_actions=[a.value for a in allowed_actions(contract.stage)],
            )
        if contract.termination_effective_date is not None:
            raise ContractConflict(
                f"termination already requested, effective {contract.termination_effective_date}"
            )
        notice_date = data.notice_date or today
        state = state_on(contract, loaded.versions, notice_date)
        if state.status in FINAL:
            raise ContractConflict(f"{contract.number} is already {state.status}")
        elements = state.elements
        assert elements is not None and elements.term is not None
        rule = elements.term.rule()
        termination = elements.termination
        if data.kind is TerminationKind.convenience:
            if termination is None or not termination.for_convenience:
                raise ValidationFailed.on(
                    "kind", "this contract does not allow termination for convenience"
                )
            notice_days = (
                termination.notice_days
                if termination.notice_days is not None
                else elements.term.notice_days
            )
        else:
            notice_days = 0
        earliest = earliest_termination(notice_date, notice_days)
        effective = data.effective_date or earliest
        if effective < earliest:
            raise ValidationFailed.on(
                "effective_date",
                f"notice of {notice_days} days given on {notice_date} allows {earliest} at the "
                "earliest",
                "too_early",
            )
        natural_end = natural_final_end(rule, None)
        if natural_end is not None and effective > natural_end:
            raise ValidationFailed.on(
                "effective_date", f"the contract ends on {natural_end} anyway", "after_end"
            )
        fee = None
        if data.kind is TerminationKind.convenience and termination is not None:
            rule_fee = termination.early_termination_fee
            pos = position(rule, effective)
            pricing = elements.pricing
            fee = round_money(
                early_termination_fee(
                    FeeKind(rule_fee.kind),
                    effective_date=effective,
                    period_end=pos.period_end,
                    amount=rule_fee.amount,
                    months=rule_fee.months,
                    monthly_minimum=pricing.minimum_monthly_commitment if pricing else None,
                ),
                contract.currency,
            )
        contract.termination_kind = data.kind.value
        contract.termination_reason = data.reason
        contract.termination_notice_date = notice_date
        contract.termination_effective_date = effective
        contract.termination_fee = fee
        contract.termination_requested_by = principal.subject
        contract.termination_requested_at = self.clock()
        await self._touch(
            loaded,
            "contract.termination_requested",
            principal.subject,
            None,
            kind=data.kind.value,
            reason=data.reason,
            notice_date=notice_date.isoformat(),
            effective_date=effective.isoformat(),
            earliest_effective_date=earliest.isoformat(),
            early_termination_fee=str(fee) if fee is not None else None,
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
        added = await self._recompute(loaded, on)
        changed = before != (contract.status, contract.renewals_done, contract.period_end)
        if changed:
            contract.revision += 1
            contract.updated_at = self.clock()
        await self.repository.flush()
        return changed, added

    async def refresh_all(self, on: date | None = None, batch: int = 200) -> tuple[int, int, int]:
        checked = changed = events = 0
        after: uuid.UUID | None = None
        while ids := await self.repository.ids_to_refresh(after, batch):
            for contract_id in ids:
                did_change, added = await self.refresh(contract_id, on)
                checked += 1
                changed += did_change
                events += added
            after = ids[-1]
        return checked, changed, events

    async def _recompute(self, loaded: Loaded, on: date | None = None) -> int:
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
        added = 0
        renewed = pos is not None and pos.renewals_done > before_renewals
        if renewed and before_status is not None and state.status not in FINAL:
            assert pos is not None
            await self._event(
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
            await self._event(loaded, f"contract.{state.status.value}", SYSTEM, None, **data)
            added += 1
        await self.repository.flush()
        return added

    # --- helpers ---------------------------------------------------------------------------

    async def _touch(
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
            await self._event(loaded, event, actor, version, **data)
        await self._recompute(loaded)

    async def _event(
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
    def _require_draft(version: ContractVersion) -> None:
        if version.stage is not Stage.draft:
            raise NotEditable(
                f"version {version.version} is {version.stage.value}; only a draft is editable"
                + ("" if version.stage is Stage.signed else " (return it to draft first)"),
                stage=version.stage.value,
                allowed_actions=[a.value for a in allowed_actions(version.stage)],
            )

    @staticmethod
    def _merged(version: ContractVersion, data: KeyElements) -> KeyElements:
        merged = dict(version.elements)
        for name in data.model_fields_set & set(ELEMENT_NAMES):
            merged[name] = data.model_dump(mode="json", include={name})[name]
        return KeyElements.model_validate(merged)

    def _check_amendment(
        self, loaded: Loaded, elements: KeyElements, effective: date | None
    ) -> list[FieldError]:
        errors: list[FieldError] = []
        done = signed(loaded.versions)
        base = elements_of(done[0]) if done else None
        if (
            base
            and base.term
            and elements.term
            and elements.term.start_date != base.term.start_date
        ):
            errors.append(FieldError("term.start_date", "an amendment cannot move the start"))
        previous = max((v.effective_from for v in done if v.effective_from), default=None)
        if effective is not None and previous is not None and effective < previous:
            errors.append(
                FieldError(
                    "effective_from", f"before the version in effect from {previous}", "too_early"
                )
            )
        end = loaded.contract.final_end
        if effective is not None and end is not None and effective > end:
            errors.append(FieldError("effective_from", f"after the contract ends ({end})"))
        return errors

    async def _check_links(
        self,
        contract_type: ContractType,
        client_id: uuid.UUID,
        parent_id: uuid.UUID | None,
        own_id: uuid.UUID | None,
    ) -> list[FieldError]:
        if parent_id is None:
            return []
        if contract_type is ContractType.MSA:
            return [FieldError("parent_id", "an MSA hangs under nothing")]
        parent = await self.repository.get(parent_id)
        if parent is None or parent.client_id != client_id or parent.id == own_id:
            return [FieldError("parent_id", "no contract of the same client with this id")]
        if parent.type is not ContractType.MSA:
            return [FieldError("parent_id", f"a parent must be an MSA, not an {parent.type}")]
        if parent.stage is Stage.cancelled:
            return [FieldError("parent_id", "the MSA was cancelled")]
        return []

    async def _check_elements(
        self,
        elements: KeyElements,
        contract_type: ContractType,
        currency: str,
        own_id: uuid.UUID | None,
        client_id: uuid.UUID,
    ) -> list[FieldError]:
        errors = check_elements(elements, contract_type, currency)
        confidentiality = elements.confidentiality
        if confidentiality and confidentiality.nda_contract_id:
            nda = await self.repository.get(confidentiality.nda_contract_id)
            if nda is None or nda.client_id != client_id or nda.type is not ContractType.NDA:
                errors.append(
                    FieldError("confidentiality.nda_contract_id", "no NDA of this client")
                )
        if elements.scope and elements.term and not errors:
            errors += await self._check_queues(elements, own_id)
        return errors

    async def _check_queues(
        self, elements: KeyElements, own_id: uuid.UUID | None
    ) -> list[FieldError]:
        """A queue belongs to one contract at a time: refuse one that a signed, not yet
        ended contract claims over an overlapping period."""
        assert elements.scope is not None and elements.term is not None
        rule = elements.term.rule()
        start, end = rule.start_date, natural_final_end(rule, None)
        errors = []
        for i, queue in enumerate(elements.scope.queues):
            for other in await self.repository.claiming_queue(queue):
                if other.id == own_id:
                    continue
                latest = signed(await self.repository.versions(other.id))[-1]
                scope = elements_of(latest).scope
                if scope is None or queue not in scope.queues or other.start_date is None:
                    continue
                other_end = other.final_end
                if (end is None or other.start_date <= end) and (
                    other_end is None or start <= other_end
                ):
                    errors.append(
                        FieldError(
                            f"scope.queues[{i}]",
                            f"{queue!r} is claimed by {other.number} over the same period",
                            "conflict",
                        )
                    )
        return errors

    # --- documents -------------------------------------------------------------------------

    async def document_source(self, loaded: Loaded, version: ContractVersion) -> DocumentSource:
        contract = loaded.contract
        client = await self.organizations.get(contract.client_id)
        operator = await self.organizations.get(contract.operator_id)
        assert client is not None and operator is not None
        return DocumentSource(
            number=contract.number,
            title=contract.title,
            type=contract.type.value,
            currency=contract.currency,
            time_zone=contract.time_zone,
            version=version.version,
            effective_from=version.effective_from,
            change_summary=version.change_summary,
            client=_party(client),
            operator=_party(operator),
            elements=elements_of(version),
        )

    async def render(self, loaded: Loaded, version: ContractVersion) -> str:
        """The HTML of a version: frozen once sent for signature, rendered live before."""
        if version.document_html is not None:
            return version.document_html
        return render_html(await self.document_source(loaded, version))

    async def signers(self, loaded: Loaded, number: int) -> Sequence[ContractSigner]:
        loaded.version(number)
        return await self.repository.signers(loaded.contract.id, number)


def _party(organization: Organization) -> DocumentParty:
    return DocumentParty(organization.legal_name, organization.country, organization.tax_id)

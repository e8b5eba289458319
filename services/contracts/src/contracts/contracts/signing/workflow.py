"""The stage workflow of a version: review, approval, signature (with the document hash)."""

from __future__ import annotations

import uuid

from contracts.contracts.documents.service import ContractDocuments
from contracts.contracts.loaded import Loaded
from contracts.contracts.models import ContractSigner, ContractVersion, Party
from contracts.contracts.rules.lifecycle import Action, Stage, allowed_actions, next_stage
from contracts.contracts.rules.snapshot import elements_of, open_version
from contracts.contracts.rules.validation import check_complete, raise_if
from contracts.contracts.service import ContractService
from contracts.contracts.signing.schemas import ActionRequest, SignatureCreate
from contracts.errors import ContractConflict, IllegalTransition
from shared.auth import Principal, Role
from shared.errors import FieldError, Forbidden, ValidationFailed
from shared.etag import check_if_match


class ContractWorkflow:
    def __init__(self, service: ContractService) -> None:
        self.service = service
        self.repository = service.repository
        self.documents = ContractDocuments(service.repository, service.organizations)

    async def act(
        self,
        principal: Principal,
        contract_id: uuid.UUID,
        action: Action,
        body: ActionRequest,
        number: int | None = None,
        if_match: str | None = None,
    ) -> Loaded:
        loaded = await self.service.load(principal, contract_id, for_update=True)
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
            version.document_html = version.document_sha256 = version.document_pdf = None
        previous = version.stage
        version.stage = target
        await self.service.touch(
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
        errors += await self.service.checks.elements(
            elements,
            contract.type,
            contract.currency,
            contract.id,
            contract.client_id,
            contract.supersedes_id,
        )
        if version.version > 1:
            errors += self.service.checks.amendment(loaded, elements, version.effective_from)
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
        frozen = await self.documents.freeze(loaded, version)
        version.document_html = frozen.html
        version.document_sha256 = frozen.sha256
        version.document_pdf = frozen.pdf
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
        loaded = await self.service.load(principal, contract_id, for_update=True)
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
        signer.signed_at = self.service.clock()
        signer.ip = ip
        signer.user_agent = (user_agent or "")[:500] or None
        signer.document_sha256 = version.document_sha256
        await self.repository.flush()
        await self.service.log_event(
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
                await self.service.checks.queues(elements, contract.id, contract.supersedes_id)
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
            await self.service.touch(loaded, None, principal.subject, version.version)
        return loaded, signer

    async def _complete_signature(
        self, principal: Principal, loaded: Loaded, version: ContractVersion
    ) -> None:
        contract = loaded.contract
        version.stage = Stage.signed
        version.signed_at = self.service.clock()
        kind = "contract.signed" if version.version == 1 else "contract.amended"
        await self.service.touch(
            loaded,
            kind,
            principal.subject,
            version.version,
            effective_from=version.effective_from.isoformat() if version.effective_from else None,
            document_sha256=version.document_sha256,
        )
        if version.version == 1 and contract.supersedes_id is not None:
            old = await self.service.load(principal, contract.supersedes_id, for_update=True)
            old.contract.superseded_on = contract.start_date
            await self.service.touch(
                old,
                "contract.superseded_by",
                principal.subject,
                None,
                successor=contract.number,
                on=contract.start_date.isoformat() if contract.start_date else None,
            )

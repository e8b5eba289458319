"""Rules that need the database: links to other contracts, the NDA, queues claimed twice,
and where an amendment may take effect."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from contracts.contracts.elements import KeyElements
from contracts.contracts.loaded import Loaded
from contracts.contracts.models import ContractType
from contracts.contracts.repository import ContractRepository
from contracts.contracts.rules.lifecycle import Stage
from contracts.contracts.rules.snapshot import elements_of, natural_final_end, signed
from contracts.contracts.rules.validation import check_elements
from shared.errors import FieldError


class ContractChecks:
    def __init__(self, repository: ContractRepository) -> None:
        self.repository = repository

    def amendment(
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

    async def links(
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

    async def elements(
        self,
        elements: KeyElements,
        contract_type: ContractType,
        currency: str,
        own_id: uuid.UUID | None,
        client_id: uuid.UUID,
        replaces: uuid.UUID | None = None,
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
            errors += await self.queues(elements, own_id, replaces)
        return errors

    async def queues(
        self, elements: KeyElements, own_id: uuid.UUID | None, replaces: uuid.UUID | None = None
    ) -> list[FieldError]:
        """A queue belongs to one contract at a time: refuse one that a signed, not yet
        ended contract claims over an overlapping period (the contract this one supersedes
        hands its queues over)."""
        assert elements.scope is not None and elements.term is not None
        rule = elements.term.rule()
        start, end = rule.start_date, natural_final_end(rule, None)
        errors = []
        for i, queue in enumerate(elements.scope.queues):
            for other in await self.repository.claiming_queue(queue):
                if other.id in (own_id, replaces):
                    continue
                latest = signed(await self.repository.versions(other.id))[-1]
                scope = elements_of(latest).scope
                if scope is None or queue not in scope.queues or other.start_date is None:
                    continue
                other_end = other.final_end
                if other.superseded_on is not None:
                    handed_over = other.superseded_on - timedelta(days=1)
                    other_end = handed_over if other_end is None else min(other_end, handed_over)
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

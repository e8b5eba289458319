"""Termination: the earliest date the notice allows, the end of renewals, the fee owed."""

from __future__ import annotations

import uuid

from contracts.contracts.loaded import Loaded
from contracts.contracts.rules.lifecycle import FINAL, Stage, allowed_actions
from contracts.contracts.rules.snapshot import natural_final_end, state_on
from contracts.contracts.rules.terms import (
    FeeKind,
    earliest_termination,
    early_termination_fee,
    position,
)
from contracts.contracts.schemas import TerminationCreate, TerminationKind
from contracts.contracts.service import ContractService
from contracts.errors import ContractConflict
from shared.auth import Principal
from shared.errors import ValidationFailed
from shared.money import round_money


class ContractTermination:
    def __init__(self, service: ContractService) -> None:
        self.service = service

    async def terminate(
        self, principal: Principal, contract_id: uuid.UUID, data: TerminationCreate
    ) -> Loaded:
        loaded = await self.service.load(principal, contract_id, for_update=True)
        contract = loaded.contract
        today = self.service.today(contract.time_zone)
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
            notice_days = elements.convenience_notice_days()
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
        contract.termination_requested_at = self.service.clock()
        await self.service.touch(
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

    async def withdraw(self, principal: Principal, contract_id: uuid.UUID, reason: str) -> Loaded:
        """Take a termination back while it has not taken effect; renewals resume."""
        loaded = await self.service.load(principal, contract_id, for_update=True)
        contract = loaded.contract
        effective = contract.termination_effective_date
        if effective is None:
            raise ContractConflict(f"{contract.number} has no termination to withdraw")
        if self.service.today(contract.time_zone) > effective:
            raise ContractConflict(f"the termination took effect on {effective}")
        withdrawn = {
            "kind": contract.termination_kind,
            "effective_date": effective.isoformat(),
            "early_termination_fee": str(contract.termination_fee)
            if contract.termination_fee is not None
            else None,
        }
        contract.termination_kind = contract.termination_reason = None
        contract.termination_notice_date = contract.termination_effective_date = None
        contract.termination_fee = None
        contract.termination_requested_by = contract.termination_requested_at = None
        await self.service.touch(
            loaded,
            "contract.termination_withdrawn",
            principal.subject,
            None,
            reason=reason,
            **withdrawn,
        )
        return loaded

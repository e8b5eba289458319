"""A contract and its versions as of a day: which version is in effect, where the term
stands, the derived status. Pure functions over loaded rows (no SQL, no clock)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.contracts.elements import KeyElements
from contracts.contracts.models import Contract, ContractVersion
from contracts.contracts.rules.lifecycle import (
    OPEN_STAGES,
    Stage,
    Status,
    StatusFacts,
    derive_status,
)
from contracts.contracts.rules.terms import Position, RenewalType, TermRule, position


def elements_of(version: ContractVersion) -> KeyElements:
    return KeyElements.model_validate(version.elements)


def signed(versions: Sequence[ContractVersion]) -> list[ContractVersion]:
    return sorted((v for v in versions if v.stage is Stage.signed), key=lambda v: v.version)


def open_version(versions: Sequence[ContractVersion]) -> ContractVersion | None:
    return next((v for v in versions if v.stage in OPEN_STAGES), None)


def effective_to(versions: Sequence[ContractVersion], version: ContractVersion) -> date | None:
    """The day before the next signed version takes effect (None: still in effect)."""
    later = [
        v.effective_from
        for v in signed(versions)
        if v.version > version.version and v.effective_from is not None
    ]
    return min(later) - timedelta(days=1) if later else None


def version_on(versions: Sequence[ContractVersion], on: date) -> ContractVersion | None:
    """The signed version in effect on ``on``: the latest effective that day; before the start,
    the first signed one (the contract is pending)."""
    done = signed(versions)
    if not done:
        return None
    in_effect = [v for v in done if v.effective_from is not None and v.effective_from <= on]
    return max(in_effect, key=lambda v: (v.effective_from, v.version)) if in_effect else done[0]


def displayed_version(versions: Sequence[ContractVersion], on: date) -> ContractVersion:
    """What a reader sees: the version in effect, or the original draft while unsigned."""
    return version_on(versions, on) or min(versions, key=lambda v: v.version)


def term_rule(elements: KeyElements) -> TermRule | None:
    return elements.term.rule() if elements.term is not None else None


def natural_final_end(rule: TermRule, terminate_on: date | None) -> date | None:
    """The last day in force as far as it is known today (None: renews without limit)."""
    if rule.renewal_type is RenewalType.fixed:
        end: date | None = rule.period_end(0)
    elif rule.renewal_type is RenewalType.auto_renew and rule.max_renewals is not None:
        end = rule.period_end(rule.max_renewals)
    else:
        end = None
    if terminate_on is not None:
        return terminate_on if end is None else min(end, terminate_on)
    return end


@dataclass(frozen=True)
class State:
    on: date
    version: ContractVersion | None  # signed version in effect (None: not signed)
    elements: KeyElements | None
    position: Position | None
    status: Status | None


def state_on(contract: Contract, versions: Sequence[ContractVersion], on: date) -> State:
    version = version_on(versions, on)
    if version is None:
        return State(on, None, None, None, None)
    elements = elements_of(version)
    rule = term_rule(elements)
    if rule is None:
        return State(on, version, elements, None, None)
    pos = position(rule, on, contract.termination_effective_date)
    facts = StatusFacts(
        signed=True,
        termination_requested=contract.termination_effective_date is not None,
        superseded_on=contract.superseded_on,
        reminder_lead_days=rule.reminder_lead_days,
    )
    return State(on, version, elements, pos, derive_status(facts, pos))


def latest_rule(versions: Sequence[ContractVersion]) -> TermRule | None:
    done = signed(versions)
    return term_rule(elements_of(done[-1])) if done else None

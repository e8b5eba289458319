"""Shape loaded rows into what the API answers (no SQL, no rules)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from contracts.contracts.models import Contract, ContractVersion
from contracts.contracts.rules.lifecycle import allowed_actions
from contracts.contracts.rules.snapshot import (
    displayed_version,
    effective_to,
    elements_of,
    open_version,
    state_on,
)
from contracts.contracts.rules.terms import earliest_termination
from contracts.contracts.schemas import (
    ContractRead,
    ContractSummary,
    Schedule,
    TerminationKind,
    TerminationRead,
    VersionRead,
    VersionSummary,
)
from shared.money import round_money


def money(amount: Decimal | None, currency: str) -> Decimal | None:
    """Money as the currency writes it (stored with more digits than it has)."""
    return None if amount is None else round_money(amount, currency)


def version_summary(versions: Sequence[ContractVersion], v: ContractVersion) -> VersionSummary:
    return VersionSummary(
        version=v.version,
        stage=v.stage,
        effective_from=v.effective_from,
        effective_to=effective_to(versions, v) if v.stage.value == "signed" else None,
        change_summary=v.change_summary,
        document_sha256=v.document_sha256,
        signed_at=v.signed_at,
    )


def version_read(
    contract: Contract, versions: Sequence[ContractVersion], v: ContractVersion
) -> VersionRead:
    summary = version_summary(versions, v)
    return VersionRead(
        **elements_of(v).model_dump(),
        contract_id=v.contract_id,
        currency=contract.currency,
        allowed_actions=allowed_actions(v.stage),
        created_by=v.created_by,
        created_at=v.created_at,
        **summary.model_dump(),
    )


def termination_read(contract: Contract, notice_days: int | None) -> TerminationRead:
    if contract.termination_effective_date is None:
        return TerminationRead(requested=False)
    earliest = None
    if contract.termination_notice_date is not None and notice_days is not None:
        earliest = earliest_termination(contract.termination_notice_date, notice_days)
    return TerminationRead(
        requested=True,
        kind=TerminationKind(contract.termination_kind) if contract.termination_kind else None,
        reason=contract.termination_reason,
        notice_date=contract.termination_notice_date,
        effective_date=contract.termination_effective_date,
        earliest_effective_date=earliest,
        early_termination_fee=money(contract.termination_fee, contract.currency),
        requested_by=contract.termination_requested_by,
        requested_at=contract.termination_requested_at,
    )


def termination_notice_days(contract: Contract, versions: Sequence[ContractVersion]) -> int | None:
    if contract.termination_notice_date is None:
        return None
    if contract.termination_kind == TerminationKind.cause.value:
        return 0
    state = state_on(contract, versions, contract.termination_notice_date)
    el = state.elements
    if el is None:
        return None
    return el.convenience_notice_days()


def contract_read(
    contract: Contract, client_name: str, versions: Sequence[ContractVersion], on: date
) -> ContractRead:
    shown = displayed_version(versions, on)
    state = state_on(contract, versions, on)
    pos = state.position
    working = open_version(versions)
    schedule = None
    if pos is not None:
        schedule = Schedule(
            on=on,
            renewals_done=pos.renewals_done,
            period_start=pos.period_start,
            period_end=pos.period_end,
            notice_deadline=pos.notice_deadline,
            next_renewal_date=pos.next_renewal_date,
            final_end=pos.final_end,
        )
    return ContractRead(
        **elements_of(shown).model_dump(),
        id=contract.id,
        number=contract.number,
        type=contract.type,
        title=contract.title,
        client_id=contract.client_id,
        client_name=client_name,
        operator_id=contract.operator_id,
        parent_id=contract.parent_id,
        supersedes_id=contract.supersedes_id,
        currency=contract.currency,
        time_zone=contract.time_zone,
        stage=contract.stage,
        status=state.status,
        as_of=on,
        version=shown.version,
        version_stage=shown.stage,
        effective_from=shown.effective_from,
        effective_to=effective_to(versions, shown) if shown.stage.value == "signed" else None,
        open_version=working.version if working else None,
        allowed_actions=allowed_actions(working.stage) if working else [],
        schedule=schedule,
        termination_request=termination_read(contract, termination_notice_days(contract, versions)),
        versions=[version_summary(versions, v) for v in versions],
        revision=contract.revision,
        created_by=contract.created_by,
        created_at=contract.created_at,
        updated_at=contract.updated_at,
    )


def contract_summary(contract: Contract, client_name: str) -> ContractSummary:
    return ContractSummary(
        id=contract.id,
        number=contract.number,
        type=contract.type,
        title=contract.title,
        client_id=contract.client_id,
        client_name=client_name,
        parent_id=contract.parent_id,
        currency=contract.currency,
        time_zone=contract.time_zone,
        stage=contract.stage,
        status=contract.status,
        start_date=contract.start_date,
        period_end=contract.period_end,
        notice_deadline=contract.notice_deadline,
        final_end=contract.final_end,
        renewals_done=contract.renewals_done,
        termination_effective_date=contract.termination_effective_date,
        created_at=contract.created_at,
    )

"""What other services read from contracts: the service terms of a date range (metrics
evaluates service levels with them), which contract claims a queue (metrics routes contact
records with it) and the billing terms on a day (billing drafts invoices from them)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts.contracts.elements import WeeklyHours
from contracts.contracts.loaded import Loaded
from contracts.contracts.models import Contract, ContractVersion
from contracts.contracts.published.schemas import (
    MAX_CLAIM_DAYS,
    BillingCredits,
    BillingServiceLevel,
    BillingTerm,
    BillingTermination,
    BillingTermsRead,
    PartyRead,
    QueueClaim,
    QueueClaimsQuery,
    QueueClaimsRead,
    QueueLookupRead,
    ServiceTermsRead,
    ServiceTermsVersion,
)
from contracts.contracts.repository import ContractRepository
from contracts.contracts.rules.lifecycle import IN_FORCE, Status
from contracts.contracts.rules.snapshot import (
    State,
    displayed_version,
    effective_to,
    elements_of,
    signed,
    state_on,
)
from contracts.contracts.service import ContractService
from contracts.contracts.views import money
from contracts.errors import QueueNotClaimed
from shared.auth import Principal
from shared.errors import ValidationFailed

# The times a queue look-up answers for.
LOOKUP_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LOOKUP_LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def _not_in_force(contract: Contract, state: State, day: date) -> str:
    """Why a signed contract listing a queue does not take its contacts on ``day``."""
    number = contract.number
    if state.status == Status.pending and contract.start_date is not None:
        return f"{number} starts on {contract.start_date.isoformat()}"
    if state.status is not None and state.status not in IN_FORCE:
        return f"{number} is {state.status.value} on {day.isoformat()}"
    return f"{number} does not list the queue on {day.isoformat()}"


def _claims_of(
    contract: Contract,
    versions: list[ContractVersion],
    queues: set[str],
    start: datetime,
    end: datetime,
) -> list[QueueClaim]:
    """The spans of ``start``..``end`` in which ``contract`` is in force and lists one of
    ``queues``: its local days, as UTC instants, consecutive days merged."""
    zone = ZoneInfo(contract.time_zone)
    open_claims: dict[str, QueueClaim] = {}
    done: list[QueueClaim] = []
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last:
        begins = datetime.combine(day, time(), zone).astimezone(UTC)
        ends = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
        if begins >= end:
            break
        state = state_on(contract, versions, day)
        scope = state.elements.scope if state.elements else None
        listed = queues & set(scope.queues) if state.status in IN_FORCE and scope else set()
        for queue in list(open_claims):
            if queue not in listed:  # the claim ended with the previous day
                done.append(open_claims.pop(queue))
        for queue in listed:
            claim = open_claims.get(queue)
            if claim is None:
                open_claims[queue] = QueueClaim(
                    queue=queue,
                    contract_id=contract.id,
                    client_id=contract.client_id,
                    from_=max(begins, start),
                    to=min(ends, end),
                )
            else:
                claim.to = min(ends, end)
        day += timedelta(days=1)
    return done + list(open_claims.values())


class PublishedReader:
    def __init__(self, service: ContractService) -> None:
        self.service = service
        self.repository: ContractRepository = service.repository

    # --- for metrics -----------------------------------------------------------------------

    async def service_terms(
        self, principal: Principal, contract_id: uuid.UUID, start: date, end: date
    ) -> ServiceTermsRead:
        if end < start:
            raise ValidationFailed.on("to", "before from")
        loaded = await self.service.load(principal, contract_id)
        contract = loaded.contract
        out = []
        for version in signed(loaded.versions):
            elements = elements_of(version)
            begins = version.effective_from
            if begins is None:
                continue
            ends = effective_to(loaded.versions, version)
            if contract.final_end is not None and (ends is None or ends > contract.final_end):
                ends = contract.final_end
            if ends is not None and ends < begins:
                continue  # replaced before it ever took effect
            if begins > end or (ends is not None and ends < start):
                continue
            scope = elements.scope
            out.append(
                ServiceTermsVersion(
                    version=version.version,
                    effective_from=begins,
                    effective_to=ends,
                    service_levels=elements.service_levels,
                    hours=scope.hours if scope else WeeklyHours(),
                    holidays=[d for d in scope.holidays if start <= d <= end] if scope else [],
                    queues=scope.queues if scope else [],
                    channels=[c.value for c in scope.channels] if scope else [],
                    service_credit_terms=elements.service_credit_terms.model_dump(mode="json")
                    if elements.service_credit_terms
                    else None,
                )
            )
        return ServiceTermsRead(
            contract_id=contract.id,
            client_id=contract.client_id,
            operator_id=contract.operator_id,
            time_zone=contract.time_zone,
            versions=out,
        )

    async def queue_lookup(
        self,
        principal: Principal,
        queue: str,
        at: datetime,
        client_id: uuid.UUID | None = None,
    ) -> QueueLookupRead:
        """The contract in force claiming ``queue`` at ``at``, among those the caller may see
        (and of ``client_id`` when given: the client a platform's source belongs to). When none
        is, the answer says why; contracts the caller may not see (or of another client than
        ``client_id``) are left out of the explanation too, so the answer for another
        tenant's queue is the answer for a queue nobody claims."""
        if at.tzinfo is None:
            raise ValidationFailed.on("at", "give a time zone offset (e.g. 2027-01-05T10:00Z)")
        if not LOOKUP_EARLIEST <= at < LOOKUP_LATEST:
            # Contracts run in years, not millennia; this also keeps the local-date arithmetic
            # below inside the calendar datetime can represent.
            raise ValidationFailed.on("at", "must be between the years 1900 and 2999")
        explanations: list[str] = []
        for contract in await self.repository.listing_queue(queue):
            if not principal.can_see_client(contract.client_id):
                continue
            if client_id is not None and contract.client_id != client_id:
                continue
            versions = await self.repository.versions(contract.id)
            day = at.astimezone(ZoneInfo(contract.time_zone)).date()
            if not signed(versions):
                explanations.append(f"{contract.number} is not signed yet")
                continue
            state = state_on(contract, versions, day)
            scope = state.elements.scope if state.elements else None
            if state.status in IN_FORCE and scope is not None and queue in scope.queues:
                return QueueLookupRead(
                    contract_id=contract.id, client_id=contract.client_id, queue=queue
                )
            explanations.append(_not_in_force(contract, state, day))
        if not explanations:
            raise QueueNotClaimed(
                f"no contract claims queue {queue!r} at {at.isoformat()}", reason="unclaimed"
            )
        explanation = "; ".join(explanations)
        raise QueueNotClaimed(
            f"queue {queue!r} is claimed only by a contract not in force at {at.isoformat()}: "
            f"{explanation}",
            reason="not_in_force",
            explanation=explanation,
        )

    async def queue_claims(self, principal: Principal, query: QueueClaimsQuery) -> QueueClaimsRead:
        """When each of ``query.queues`` is claimed, and by which contract in force, over a
        span: the queue look-up for a whole batch of records in one request. The same
        contracts are considered as by ``queue_lookup`` (those the caller may see, of
        ``client_id`` when given), day by day in each contract's time zone."""
        start, end = query.from_, query.to
        if end <= start:
            raise ValidationFailed.on("to", "must be after from")
        if end - start > timedelta(days=MAX_CLAIM_DAYS):
            raise ValidationFailed.on("to", f"the span may cover at most {MAX_CLAIM_DAYS} days")
        asked = set(query.queues)
        contracts = [
            c
            for c in await self.repository.listing_queues(sorted(asked))
            if principal.can_see_client(c.client_id)
            and (query.client_id is None or c.client_id == query.client_id)
        ]
        versions: dict[uuid.UUID, list[ContractVersion]] = {c.id: [] for c in contracts}
        for version in await self.repository.versions_of(list(versions)):
            versions[version.contract_id].append(version)
        claims: list[QueueClaim] = []
        for contract in contracts:
            if signed(versions[contract.id]):
                claims += _claims_of(contract, versions[contract.id], asked, start, end)
        claims.sort(key=lambda c: (c.queue, c.from_))
        return QueueClaimsRead(claims=claims)

    # --- for billing -----------------------------------------------------------------------

    async def billing_terms(
        self, principal: Principal, contract_id: uuid.UUID, on: date
    ) -> BillingTermsRead:
        loaded: Loaded = await self.service.load(principal, contract_id)
        contract = loaded.contract
        state = state_on(contract, loaded.versions, on)
        elements = state.elements or elements_of(displayed_version(loaded.versions, on))
        pos = state.position
        term = elements.term
        pricing = elements.pricing
        credits = elements.service_credit_terms
        bonus_rules = []
        if credits is not None:
            levels = {s.key: s for s in elements.service_levels}
            for rule in credits.bonus_rules:
                level = levels.get(rule.service_level_key)
                target = rule.bonus_target or (level.bonus_target if level else None)
                bonus_rules.append(
                    {
                        "service_level_key": rule.service_level_key,
                        "bonus_target": str(target) if target is not None else None,
                        "bonus_percent": str(rule.bonus_percent),
                    }
                )
        client = await self.service.organizations.get(contract.client_id)
        operator = await self.service.organizations.get(contract.operator_id)
        assert client is not None and operator is not None
        return BillingTermsRead(
            contract_id=contract.id,
            client_id=contract.client_id,
            operator_id=contract.operator_id,
            number=contract.number,
            title=contract.title,
            currency=contract.currency,
            time_zone=contract.time_zone,
            on=on,
            version=state.version.version if state.version else None,
            status=state.status,
            payment_terms_days=pricing.payment_terms_days if pricing else None,
            price_plan_ref=pricing.price_plan_ref if pricing else None,
            minimum_monthly_commitment=pricing.minimum_monthly_commitment if pricing else None,
            term=BillingTerm(
                start_date=term.start_date if term else None,
                end_date=pos.period_end if pos else None,
                renewal_type=term.renewal_type if term else None,
                renewal_term_months=term.renewal_term_months if term else None,
                max_renewals=term.max_renewals if term else None,
                renewals_done=pos.renewals_done if pos else 0,
                notice_days=term.notice_days if term else None,
                notice_deadline=pos.notice_deadline if pos else None,
                next_renewal_date=pos.next_renewal_date if pos else None,
                final_end=pos.final_end if pos else None,
            ),
            termination=BillingTermination(
                requested=contract.termination_effective_date is not None,
                effective_date=contract.termination_effective_date,
                early_termination_fee=money(contract.termination_fee, contract.currency),
            ),
            service_credit_terms=BillingCredits(
                at_risk_percent=credits.at_risk_percent if credits else None,
                credit_cap_percent=credits.credit_cap_percent if credits else None,
                pool_cap_percent=credits.pool_cap_percent if credits else None,
                bonus_rules=bonus_rules,
            ),
            client=PartyRead.model_validate(client),
            operator=PartyRead.model_validate(operator),
            service_levels=[
                BillingServiceLevel(
                    key=s.key,
                    name=s.display_name,
                    metric=s.metric.value,
                    threshold_seconds=s.threshold_seconds,
                    unit=s.unit,
                )
                for s in elements.service_levels
            ],
        )

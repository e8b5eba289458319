"""Which contract and client each record of a batch belongs to (the tenancy rules of
ingestion, see the README's "Sources and tenancy" and "Which contracts receive records")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from metrics.contracts_client import ClaimSpan, ContractsClient, QueueContract
from metrics.ingestion.normalize import NormalizedRecord
from metrics.records.schemas import Rejection
from metrics.sources.models import Source
from shared.auth import Principal
from shared.errors import NotFound


@dataclass(frozen=True, slots=True)
class NamedContract:
    """What a batch needs of a contract its rows name: its client, and the queues each of its
    versions lists from which local day to which (``None``: open-ended)."""

    client_id: uuid.UUID
    time_zone: ZoneInfo
    versions: tuple[tuple[date, date | None, frozenset[str]], ...]

    def lists(self, queue: str, at: datetime) -> bool:
        """Whether the version in effect on ``at``'s local day lists ``queue``: then no other
        contract claims it then (the contracts service lets one contract claim a queue at a
        time), and no queue look-up is needed."""
        day = at.astimezone(self.time_zone).date()
        return any(
            begins <= day and (ends is None or day <= ends) and queue in queues
            for begins, ends, queues in self.versions
        )


class ContractResolver:
    """Attributes one batch's records (or spans) to contracts and clients, remembering each
    answer for the batch: one ``queue-claims`` request for all the batch's queues and days
    (``prefetch``), one call per named contract, and a single queue look-up per queue and
    hour only to explain a refusal.

    ``days`` are the first and last UTC days of the batch's records, which a named contract's
    terms are read for."""

    def __init__(
        self,
        contracts: ContractsClient,
        principal: Principal,
        source: Source,
        days: tuple[date, date],
    ) -> None:
        self.contracts = contracts
        self.principal = principal
        self.source = source
        # One day more on each side: local days of a UTC day reach into both neighbours.
        self.days = (days[0] - timedelta(days=1), days[1] + timedelta(days=1))
        self.claims: dict[tuple[str, datetime], Any] = {}
        self.spans: dict[str, list[ClaimSpan]] = {}
        self.named: dict[uuid.UUID, NamedContract | None] = {}
        self.decisions: dict[tuple[uuid.UUID, str, datetime], Rejection | None] = {}

    async def prepare(self, records: list[NormalizedRecord]) -> None:
        """Read what attributing ``records`` takes before going record by record: each named
        contract once, then, in one request, when the queues are claimed whose records name
        no contract or a contract whose terms do not list their queue then."""
        queues: set[str] = set()
        for record in records:
            named = None if record.contract_id is None else await self.contract(record.contract_id)
            if record.contract_id is None or (
                named is not None and not named.lists(record.queue, record.enqueued_at)
            ):
                queues.add(record.queue)
        if queues:
            await self.prefetch(queues)

    async def prefetch(self, queues: set[str]) -> None:
        """Learn when each of ``queues`` is claimed over the batch's days, in one request."""
        self.spans = await self.contracts.queue_claims(
            queues,
            self.days,
            client_id=self.source.client_id,
            tenant=self.principal.tenant_client_id,
            token=self.principal.token,
        )

    def claimed_by(self, queue: str, at: datetime) -> QueueContract | None:
        """The contract in force claiming ``queue`` at ``at``, from the prefetched spans."""
        for span in self.spans.get(queue, ()):
            if span.begins <= at < span.ends:
                return span.contract
        return None

    async def claim(self, queue: str, hour: datetime) -> Any:
        """The queue look-up's answer (``QueueContract`` or ``QueueUnclaimed``) for an hour."""
        key = (queue, hour)
        answer = self.claims.get(key)
        if answer is None:
            answer = self.claims[key] = await self.contracts.queue_lookup(
                queue,
                hour,
                client_id=self.source.client_id,
                tenant=self.principal.tenant_client_id,
                token=self.principal.token,
            )
        return answer

    async def contract(self, contract_id: uuid.UUID) -> NamedContract | None:
        """A named contract, if the caller may write records of it through this source (its
        own, of the source's client); None otherwise, whether the contract is missing, hidden
        or another client's (the same answer for all three)."""
        if contract_id not in self.named:
            found: NamedContract | None = None
            try:
                terms = await self.contracts.service_terms(
                    contract_id, *self.days, token=self.principal.token
                )
            except NotFound:
                terms = None
            if terms is not None:
                client_id = uuid.UUID(terms["client_id"])
                if self.source.client_id in (None, client_id):
                    found = NamedContract(
                        client_id,
                        ZoneInfo(terms["time_zone"]),
                        tuple(
                            (
                                date.fromisoformat(v["effective_from"]),
                                date.fromisoformat(v["effective_to"])
                                if v.get("effective_to")
                                else None,
                                frozenset(v.get("queues") or ()),
                            )
                            for v in terms["versions"]
                        ),
                    )
            self.named[contract_id] = found
        return self.named[contract_id]

    async def owner(self, contract_id: uuid.UUID) -> uuid.UUID | None:
        """The client of a named contract the caller may write through this source."""
        named = await self.contract(contract_id)
        return None if named is None else named.client_id

    async def attribute(self, record: NormalizedRecord) -> Rejection | None:
        """Set the record's contract and client, or answer why it is refused."""
        at = record.enqueued_at
        hour = at.replace(minute=0, second=0, microsecond=0)
        named_id = record.contract_id
        if named_id is not None:
            named = await self.contract(named_id)
            if named is None:
                return Rejection(
                    index=record.index, field="contract_id", message="no such contract"
                )
            record.client_id = named.client_id
            key = (named_id, record.queue, hour)
            if key not in self.decisions:
                self.decisions[key] = await self.check_named(named_id, named, record.queue, hour)
            rejection = self.decisions[key]
            if rejection is not None:
                return rejection.model_copy(update={"index": record.index})
            return None
        if record.queue in self.spans:
            found = self.claimed_by(record.queue, at)
            if found is not None:
                record.contract_id = found.contract_id
                record.client_id = found.client_id
                return None
        claim = await self.claim(record.queue, hour)  # why no contract takes it
        if isinstance(claim, QueueContract):
            record.contract_id = claim.contract_id
            record.client_id = claim.client_id
            return None
        if claim.reason == "not_in_force":
            message = (
                f"queue {record.queue!r} is claimed only by a contract not in force at "
                f"{at.isoformat()}: {claim.explanation}"
            )
        else:
            message = f"no contract claims queue {record.queue!r} at {at.isoformat()}"
        return Rejection(index=record.index, field="queue", message=message)

    async def check_named(
        self, contract_id: uuid.UUID, named: NamedContract, queue: str, hour: datetime
    ) -> Rejection | None:
        """A named contract takes a queue's records in an hour unless another contract in
        force claims the queue then (it may take those of a queue nobody claims)."""
        if named.lists(queue, hour):
            return None
        claim: Any
        if queue in self.spans:
            claim = self.claimed_by(queue, hour)
        else:
            claim = await self.claim(queue, hour)
        if isinstance(claim, QueueContract) and claim.contract_id != contract_id:
            return Rejection(
                index=0,
                field="contract_id",
                message=f"queue {queue!r} is claimed by contract {claim.contract_id} at "
                f"{hour.isoformat()}, not by this one",
            )
        return None

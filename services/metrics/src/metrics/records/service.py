"""Ingestion: validate each row, resolve its contract, keep the latest version per key, store
set-based and keep the rollups exact, all in the request's one transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from metrics.contracts_client import ContractsClient, QueueContract
from metrics.records.decode import FastContact
from metrics.records.ingest import (
    NormalizedRecord,
    RollupChange,
    latest_per_key,
    normalize_contact,
)
from metrics.records.repository import RecordRepository, as_facts
from metrics.records.schemas import BatchResult, ContactRecordIn, Rejection
from metrics.sources.models import Source
from metrics.sources.repository import SourceRepository
from metrics.sources.service import SourceService
from shared.auth import Principal
from shared.errors import NotFound
from shared.ids import uuid7_batch

# What a batch's row may be: decoded by msgspec, parsed by pydantic, or a raw object to
# validate. A tuple, not a union, so the usual type is found by its first, cheapest check.
_RECORD_TYPES = (FastContact, ContactRecordIn, Mapping)


def month_starts(records: Sequence[NormalizedRecord]) -> list[datetime]:
    """The UTC months the records fall in (their ``enqueued_at`` is in UTC already)."""
    months = {(r.enqueued_at.year, r.enqueued_at.month) for r in records}
    return [datetime(year, month, 1, tzinfo=UTC) for year, month in sorted(months)]


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
    answer for the batch: one call per distinct queue and hour, and per named contract.

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
        self.named: dict[uuid.UUID, NamedContract | None] = {}
        self.decisions: dict[tuple[uuid.UUID, str, datetime], Rejection | None] = {}

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
        claim = await self.claim(record.queue, hour)
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
        claim = await self.claim(queue, hour)
        if isinstance(claim, QueueContract) and claim.contract_id != contract_id:
            return Rejection(
                index=0,
                field="contract_id",
                message=f"queue {queue!r} is claimed by contract {claim.contract_id} at "
                f"{hour.isoformat()}, not by this one",
            )
        return None


class IngestService:
    def __init__(
        self,
        records: RecordRepository,
        sources: SourceRepository,
        contracts: ContractsClient,
        *,
        secret: str,
    ) -> None:
        self.records = records
        self.sources = sources
        self.contracts = contracts
        self.secret = secret

    async def source_for(self, principal: Principal, name: str) -> Source:
        """The source the caller pushes through (``sources.service.may_write``)."""
        return await SourceService(self.sources).writable(principal, name)

    async def resolve_contracts(
        self,
        principal: Principal,
        source: Source,
        records: list[NormalizedRecord],
        rejections: list[Rejection],
    ) -> list[NormalizedRecord]:
        """Fill each record's contract and client; reject those no contract takes.

        A record's contract is the one in force claiming its queue at its enqueue time, or
        the one it names, which must exist and may not be another contract than the one
        claiming its queue then. Its client is its contract's. Only contracts the caller may
        see, and of the source's client when the source has one, are considered, so another
        tenant's queue or contract is answered exactly as an unknown one. One look-up per
        distinct queue and hour and per distinct named contract, not per record."""
        if not records:
            return []
        times = [r.enqueued_at for r in records]
        days = (min(times).date(), max(times).date())
        resolver = ContractResolver(self.contracts, principal, source, days)
        resolved: list[NormalizedRecord] = []
        for record in records:
            rejection = await resolver.attribute(record)
            if rejection is None:
                resolved.append(record)
            else:
                rejections.append(rejection)
        return resolved

    async def ingest_contacts(
        self, principal: Principal, source_name: str, rows: Sequence[Any]
    ) -> BatchResult:
        source = await self.source_for(principal, source_name)
        valid: list[NormalizedRecord] = []
        rejections: list[Rejection] = []
        now = datetime.now(UTC)
        next_id = iter(uuid7_batch(len(rows))).__next__
        for index, raw in enumerate(rows):
            if not isinstance(raw, _RECORD_TYPES):
                rejections.append(Rejection(index=index, field="record", message="not an object"))
                continue
            outcome = normalize_contact(index, raw, secret=self.secret, new_id=next_id, now=now)
            if isinstance(outcome, list):
                rejections.extend(outcome)
            else:
                valid.append(outcome)
        valid = await self.resolve_contracts(principal, source, valid, rejections)
        return await self.store(source.id, valid, rejections, received=len(rows))

    async def store(
        self,
        source_id: uuid.UUID,
        valid: list[NormalizedRecord],
        rejections: list[Rejection],
        *,
        received: int,
    ) -> BatchResult:
        kept, superseded = latest_per_key(valid)
        inserted = updated = foreign = 0
        if kept:
            await self.records.ensure_partitions(month_starts(kept))
            await self.records.stage_contacts(source_id, kept)
            # Storing the staged rows is PostgreSQL's work alone; meanwhile a thread works out
            # the batch's rollup change as if every record were new (the usual case). Started
            # only now, the thread never competes with the COPY above for the interpreter.
            stored, change = await asyncio.gather(
                self.records.store_staged(len(kept)),
                asyncio.to_thread(RollupChange.of, kept, ()),
            )
            inserted, updated = stored.inserted, stored.updated
            if inserted != len(kept):  # some replaced older versions, or were not newer
                not_written = stored.unchanged_ids | stored.other_client_ids
                written = [r for r in kept if r.id not in not_written]
                change = RollupChange.of(written, as_facts(stored.replaced))
            await self.records.add_to_rollups(change)
            if stored.other_client_ids:
                rejections.extend(
                    Rejection(
                        index=r.index,
                        field="external_id",
                        message="the source holds this external id for another client's "
                        "record; a record cannot move to another client",
                    )
                    for r in kept
                    if r.id in stored.other_client_ids
                )
                foreign = len(stored.other_client_ids)
        rejected_rows = {r.index for r in rejections}
        rejections.sort(key=lambda r: r.index)
        return BatchResult(
            received=received,
            inserted=inserted,
            updated=updated,
            unchanged=len(kept) - inserted - updated - foreign + superseded,
            rejected=len(rejected_rows),
            rejections=rejections,
        )

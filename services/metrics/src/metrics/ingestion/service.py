"""Ingestion: validate each row, resolve its contract, keep the latest version per key, store
set-based and keep the rollups exact, all in the request's one transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from metrics.contracts_client import ContractsClient
from metrics.ingestion.decode import FastContact
from metrics.ingestion.normalize import NormalizedRecord, latest_per_key, normalize_contact
from metrics.ingestion.store import ContactStore
from metrics.records.attribution import ContractResolver
from metrics.records.schemas import BatchResult, ContactRecordIn, Rejection
from metrics.rollups.deltas import RollupChange
from metrics.rollups.store import RollupStore, as_facts
from metrics.sources.models import Source
from metrics.sources.repository import SourceRepository
from metrics.sources.service import SourceService
from shared.auth import Principal
from shared.ids import uuid7_batch

# What a batch's row may be: decoded by msgspec, parsed by pydantic, or a raw object to
# validate. A tuple, not a union, so the usual type is found by its first, cheapest check.
_RECORD_TYPES = (FastContact, ContactRecordIn, Mapping)


def month_starts(records: Sequence[NormalizedRecord]) -> list[datetime]:
    """The UTC months the records fall in (their ``enqueued_at`` is in UTC already)."""
    months = {(r.enqueued_at.year, r.enqueued_at.month) for r in records}
    return [datetime(year, month, 1, tzinfo=UTC) for year, month in sorted(months)]


class IngestService:
    def __init__(
        self,
        records: ContactStore,
        rollups: RollupStore,
        sources: SourceRepository,
        contracts: ContractsClient,
        *,
        secret: str,
    ) -> None:
        self.records = records
        self.rollups = rollups
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
        tenant's queue or contract is answered exactly as an unknown one. One look-up for
        all the batch's queues and days and one per distinct named contract, not per record."""
        if not records:
            return []
        times = [r.enqueued_at for r in records]
        days = (min(times).date(), max(times).date())
        resolver = ContractResolver(self.contracts, principal, source, days)
        await resolver.prepare(records)
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
            await self.rollups.add(change)
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

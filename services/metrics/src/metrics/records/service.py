"""Ingestion: validate each row, resolve its contract, keep the latest version per key, store
set-based and keep the rollups exact, all in the request's one transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from metrics.contracts_client import ContractsClient
from metrics.errors import SourceNotFound
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
        source = await self.sources.by_name(name)
        if source is None or not (
            source.client_id is None or principal.can_see_client(source.client_id)
        ):
            raise SourceNotFound(f"no source named {name!r}")
        return source

    async def allowed_contract(
        self, principal: Principal, contract_id: uuid.UUID, at: datetime, seen: dict
    ) -> bool:
        """A tenant-scoped caller may only push records of contracts it can see."""
        if principal.tenant_client_id is None:
            return True
        if contract_id not in seen:
            day = at.date()
            try:
                await self.contracts.service_terms(contract_id, day, day, token=principal.token)
                seen[contract_id] = True
            except NotFound:
                seen[contract_id] = False
        return bool(seen[contract_id])

    async def resolve_contracts(
        self,
        principal: Principal,
        source: Source,
        records: list[NormalizedRecord],
        rejections: list[Rejection],
    ) -> list[NormalizedRecord]:
        """Fill contract and client of each record; reject those no contract claims."""
        resolved: list[NormalizedRecord] = []
        seen: dict[uuid.UUID, bool] = {}
        tenant = principal.tenant_client_id
        default_client = tenant or source.client_id
        for record in records:
            client_id = default_client
            if record.contract_id is None:
                answer = await self.contracts.queue_lookup(
                    record.queue, record.enqueued_at, token=principal.token
                )
                if answer is None:
                    rejections.append(
                        Rejection(
                            index=record.index,
                            field="queue",
                            message=f"no contract claims queue {record.queue!r} at "
                            f"{record.enqueued_at.isoformat()}",
                        )
                    )
                    continue
                if tenant is not None and answer.client_id not in (None, tenant):
                    rejections.append(
                        Rejection(
                            index=record.index,
                            field="queue",
                            message="the queue belongs to another client",
                        )
                    )
                    continue
                record.contract_id = answer.contract_id
                client_id = client_id or answer.client_id
            elif tenant is not None and not await self.allowed_contract(
                principal, record.contract_id, record.enqueued_at, seen
            ):
                rejections.append(
                    Rejection(index=record.index, field="contract_id", message="no such contract")
                )
                continue
            record.client_id = client_id
            resolved.append(record)
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
        inserted = updated = 0
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
                written = [r for r in kept if r.id not in stored.unchanged_ids]
                change = RollupChange.of(written, as_facts(stored.replaced))
            await self.records.add_to_rollups(change)
        rejected_rows = {r.index for r in rejections}
        rejections.sort(key=lambda r: r.index)
        return BatchResult(
            received=received,
            inserted=inserted,
            updated=updated,
            unchanged=len(kept) - inserted - updated + superseded,
            rejected=len(rejected_rows),
            rejections=rejections,
        )

"""Ingestion of agent activity: validate each span, keep the latest version per key, upsert.
The source and tenant rules are those of contact records (``IngestService``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from pydantic import ValidationError

from metrics.activity.repository import ActivityRepository
from metrics.activity.rows import ActivityRow
from metrics.activity.schemas import AgentActivityIn
from metrics.ingestion.normalize import rejections_of
from metrics.ingestion.service import IngestService
from metrics.records.attribution import ContractResolver
from metrics.records.schemas import BatchResult, Rejection
from shared.auth import Principal
from shared.ids import uuid7


def normalize_activity(
    index: int, raw: Mapping[str, Any], *, new_id: Any
) -> ActivityRow | list[Rejection]:
    try:
        data = AgentActivityIn.model_validate(raw)
    except ValidationError as exc:
        return rejections_of(index, exc)
    if data.ended_at < data.started_at:
        return [Rejection(index=index, field="ended_at", message="must not be before started_at")]
    return ActivityRow(
        index=index,
        id=new_id(),
        external_id=data.external_id,
        contract_id=data.contract_id,
        agent=data.agent,
        state=data.state.value,
        queue=data.queue,
        channel=data.channel,
        started_at=data.started_at.astimezone(UTC),
        ended_at=data.ended_at.astimezone(UTC),
        updated_at=data.updated_at or data.ended_at,
    )


class ActivityService:
    def __init__(self, repository: ActivityRepository, ingest: IngestService) -> None:
        self.repository = repository
        self.ingest = ingest

    async def ingest_activity(
        self, principal: Principal, source_name: str, rows: Sequence[Mapping[str, Any]]
    ) -> BatchResult:
        source = await self.ingest.source_for(principal, source_name)
        spans: list[ActivityRow] = []
        rejections: list[Rejection] = []
        for index, raw in enumerate(rows):
            if not isinstance(raw, Mapping):
                rejections.append(Rejection(index=index, field="record", message="not an object"))
                continue
            outcome = normalize_activity(index, raw, new_id=uuid7)
            if isinstance(outcome, list):
                rejections.extend(outcome)
            else:
                spans.append(outcome)
        valid: list[ActivityRow] = []
        if spans:
            times = [span.started_at for span in spans]
            days = (min(times).date(), max(times).date())
            resolver = ContractResolver(self.ingest.contracts, principal, source, days)
            for span in spans:
                # A span's client is its contract's, which the caller must be allowed to write
                # through this source (one answer for a missing, hidden or other's contract).
                client_id = await resolver.owner(span.contract_id)
                if client_id is None:
                    rejections.append(
                        Rejection(index=span.index, field="contract_id", message="no such contract")
                    )
                    continue
                span.client_id = client_id
                valid.append(span)
        latest: dict[str, ActivityRow] = {}
        for row in valid:
            held = latest.get(row.external_id)
            if held is None or row.updated_at >= held.updated_at:
                latest[row.external_id] = row
        inserted = updated = 0
        if latest:
            stored = await self.repository.upsert(source.id, list(latest.values()))
            inserted, updated = stored.inserted, stored.updated
            rejections.extend(
                Rejection(
                    index=row.index,
                    field="external_id",
                    message="the source holds this external id for another client's span; "
                    "a span cannot move to another client",
                )
                for row in latest.values()
                if row.external_id in stored.other_client
            )
            foreign = len(stored.other_client)
        else:
            foreign = 0
        return BatchResult(
            received=len(rows),
            inserted=inserted,
            updated=updated,
            unchanged=len(valid) - inserted - updated - foreign,
            rejected=len({r.index for r in rejections}),
            rejections=sorted(rejections, key=lambda r: r.index),
        )

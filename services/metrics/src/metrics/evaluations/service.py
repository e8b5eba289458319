"""Ingestion of QA evaluations: validate each one, find what it evaluates (a contact record,
or an agent's day in a contract), keep the latest version per external id, upsert.

The source and tenant rules are those of contact records (``IngestService``): a caller writes
only through a source it may write through, and a contact, contract or queue the caller may
not write through that source (another client's) is answered exactly as an unknown one."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from pydantic import ValidationError

from metrics.contracts_client import QueueContract
from metrics.evaluations.models import QualityEvaluation
from metrics.evaluations.repository import EvaluatedContact, EvaluationRepository
from metrics.evaluations.rows import EvaluationRow
from metrics.evaluations.schemas import EvaluationIn
from metrics.ingestion.normalize import rejections_of
from metrics.ingestion.service import IngestService
from metrics.records.attribution import ContractResolver
from metrics.records.schemas import BatchResult, Rejection
from metrics.records.service import own_contract
from metrics.sources.models import Source
from shared.auth import Principal
from shared.ids import uuid7
from shared.pagination import PageParams

# An agent's day is attributed to the contract claiming its queue at noon UTC of that day:
# inside the same local day in every time zone from UTC-11 to UTC+11.
NOON = time(12, tzinfo=UTC)


def normalize_evaluation(
    index: int, raw: Mapping[str, Any], *, new_id: Any
) -> EvaluationRow | list[Rejection]:
    """A valid evaluation of a contact or of an agent's day, or why it is not one."""
    try:
        data = EvaluationIn.model_validate(raw)
    except ValidationError as exc:
        return rejections_of(index, exc)

    def reject(field: str, message: str) -> list[Rejection]:
        return [Rejection(index=index, field=field, message=message)]

    if data.contact is not None:
        for name in ("day", "contract_id", "queue", "channel"):
            if getattr(data, name) is not None:
                return reject(name, "taken from the evaluated contact: not sent with contact")
    else:
        if data.contact_source is not None:
            return reject("contact_source", "only with contact")
        if data.agent is None:
            return reject("agent", "give contact, or agent and day")
        if data.day is None:
            return reject("day", "an agent's evaluation needs the day evaluated")
        if data.contract_id is None and data.queue is None:
            return reject("queue", "an agent's day needs contract_id or queue")
    return EvaluationRow(
        index=index,
        id=new_id(),
        external_id=data.external_id,
        contact_source=data.contact_source,
        contact_external_id=data.contact,
        agent=data.agent,
        day=data.day,
        queue=data.queue,
        channel=data.channel,
        contract_id=data.contract_id,
        evaluated_at=data.evaluated_at.astimezone(UTC),
        score=data.score,
        form=data.form,
        evaluator=data.evaluator,
        updated_at=(data.updated_at or data.evaluated_at).astimezone(UTC),
    )


def may_write_contact(principal: Principal, source: Source, contact: EvaluatedContact) -> bool:
    """A contact is evaluated through a source of its client (or an operator-wide one), by a
    caller who may see that client."""
    return (source.client_id is None or contact.client_id == source.client_id) and (
        principal.tenant_client_id is None or contact.client_id == principal.tenant_client_id
    )


class EvaluationService:
    def __init__(self, repository: EvaluationRepository, ingest: IngestService) -> None:
        self.repository = repository
        self.ingest = ingest

    async def list_evaluations(
        self,
        principal: Principal,
        params: PageParams,
        *,
        contract_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
    ) -> tuple[list[QualityEvaluation], str | None]:
        """As for contact records: a contract of the caller's own lists all its evaluations;
        otherwise a tenant reads its client's."""
        own = await own_contract(self.ingest.contracts, principal, contract_id)
        return await self.repository.list(
            self.repository.readable(principal, own_contract=own),
            params,
            contract_id=contract_id,
            start=start,
            end=end,
        )

    async def ingest_evaluations(
        self, principal: Principal, source_name: str, rows: Sequence[Any]
    ) -> BatchResult:
        source = await self.ingest.source_for(principal, source_name)
        found: list[EvaluationRow] = []
        rejections: list[Rejection] = []
        for index, raw in enumerate(rows):
            if not isinstance(raw, Mapping):
                rejections.append(Rejection(index=index, field="record", message="not an object"))
                continue
            outcome = normalize_evaluation(index, raw, new_id=uuid7)
            if isinstance(outcome, list):
                rejections.extend(outcome)
            else:
                found.append(outcome)
        of_contacts = [row for row in found if row.contact_external_id is not None]
        of_agent_days = [row for row in found if row.contact_external_id is None]
        valid = await self.attach_contacts(principal, source, of_contacts, rejections)
        valid += await self.attach_agent_days(principal, source, of_agent_days, rejections)
        return await self.store(source.id, valid, rejections, received=len(rows))

    async def attach_contacts(
        self,
        principal: Principal,
        source: Source,
        rows: list[EvaluationRow],
        rejections: list[Rejection],
    ) -> list[EvaluationRow]:
        """Take each evaluated contact's contract, client, queue, channel (and agent, unless
        the evaluation names one); reject the evaluations of contacts not found."""
        # The contact's source is looked up by name only to find the contact: whether the
        # name is unknown or the contact is, or the contact is another client's, the answer
        # is the same, so a tenant learns nothing of sources it may not read.
        source_ids: dict[str, uuid.UUID | None] = {}
        keyed: list[tuple[tuple[uuid.UUID, str], EvaluationRow]] = []
        for row in rows:
            name = row.contact_source
            if name is None:
                row.contact_source_id = source.id
            else:
                if name not in source_ids:
                    held = await self.ingest.sources.by_name(name)
                    source_ids[name] = None if held is None else held.id
                row.contact_source_id = source_ids[name]
            if row.contact_source_id is None:
                rejections.append(
                    Rejection(index=row.index, field="contact", message="no such contact")
                )
                continue
            keyed.append(((row.contact_source_id, row.contact_external_id or ""), row))
        contacts = await self.repository.contacts([key for key, _ in keyed])
        attached = []
        for key, row in keyed:
            contact = contacts.get(key)
            if contact is None or not may_write_contact(principal, source, contact):
                # One answer for a missing contact and another client's.
                rejections.append(
                    Rejection(index=row.index, field="contact", message="no such contact")
                )
                continue
            row.contract_id, row.client_id = contact.contract_id, contact.client_id
            row.queue, row.channel = contact.queue, contact.channel
            row.agent = row.agent or contact.agent
            attached.append(row)
        return attached

    async def attach_agent_days(
        self,
        principal: Principal,
        source: Source,
        rows: list[EvaluationRow],
        rejections: list[Rejection],
    ) -> list[EvaluationRow]:
        """Attribute each agent's day to the contract it names (which must take the queue it
        names then) or to the contract claiming its queue that day, as contact records are."""
        if not rows:
            return []
        days = [row.day for row in rows if row.day is not None]
        resolver = ContractResolver(
            self.ingest.contracts, principal, source, (min(days), max(days))
        )
        attached = []
        for row in rows:
            rejection = await self.attribute_day(resolver, row)
            if rejection is None:
                attached.append(row)
            else:
                rejections.append(rejection)
        return attached

    async def attribute_day(
        self, resolver: ContractResolver, row: EvaluationRow
    ) -> Rejection | None:
        assert row.day is not None  # normalize_evaluation checked it
        at = datetime.combine(row.day, NOON)
        if row.contract_id is not None:
            named = await resolver.contract(row.contract_id)
            if named is None:
                return Rejection(index=row.index, field="contract_id", message="no such contract")
            if row.queue is not None:
                refused = await resolver.check_named(row.contract_id, named, row.queue, at)
                if refused is not None:
                    return refused.model_copy(update={"index": row.index})
            row.client_id = named.client_id
            return None
        assert row.queue is not None  # normalize_evaluation checked it
        claim = await resolver.claim(row.queue, at)
        if isinstance(claim, QueueContract):
            row.contract_id, row.client_id = claim.contract_id, claim.client_id
            return None
        reason = f": {claim.explanation}" if claim.reason == "not_in_force" else ""
        return Rejection(
            index=row.index,
            field="queue",
            message=f"no contract in force claims queue {row.queue!r} on {row.day}{reason}",
        )

    async def store(
        self,
        source_id: uuid.UUID,
        valid: list[EvaluationRow],
        rejections: list[Rejection],
        *,
        received: int,
    ) -> BatchResult:
        latest: dict[str, EvaluationRow] = {}
        for row in valid:
            held = latest.get(row.external_id)
            if held is None or row.updated_at >= held.updated_at:
                latest[row.external_id] = row
        inserted = updated = foreign = 0
        if latest:
            stored = await self.repository.upsert(source_id, list(latest.values()))
            inserted, updated = stored.inserted, stored.updated
            foreign = len(stored.other_client)
            rejections.extend(
                Rejection(
                    index=row.index,
                    field="external_id",
                    message="the source holds this external id for another client's "
                    "evaluation; an evaluation cannot move to another client",
                )
                for row in latest.values()
                if row.external_id in stored.other_client
            )
        return BatchResult(
            received=received,
            inserted=inserted,
            updated=updated,
            unchanged=len(valid) - inserted - updated - foreign,
            rejected=len({r.index for r in rejections}),
            rejections=sorted(rejections, key=lambda r: r.index),
        )

"""The contract itself: drafting, listing, amendments, versions, status, termination and the
event log."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from contracts.base import idempotency
from contracts.contracts.deps import (
    EDIT_DRAFT,
    NOT_FOUND,
    PREFIX,
    TAGS,
    WRONG_STAGE,
    IfMatch,
    Reader,
    ServiceDep,
    Writer,
    answer,
)
from contracts.contracts.drafting import ContractDrafting
from contracts.contracts.models import ContractType
from contracts.contracts.reading import ContractReader
from contracts.contracts.repository import ContractFilter
from contracts.contracts.rules.lifecycle import IN_FORCE, Stage, Status
from contracts.contracts.schemas import (
    AmendmentCreate,
    ContractCreate,
    ContractEventType,
    ContractPage,
    ContractRead,
    ContractUpdate,
    EventPage,
    EventRead,
    ReminderPage,
    StatusRefreshRead,
    TerminationCreate,
    VersionRead,
    VersionUpdate,
)
from contracts.contracts.termination import ContractTermination
from contracts.contracts.views import contract_summary, version_read
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.errors import ValidationFailed
from shared.etag import etag
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import PageParamsDep
from shared.types import IsoDate, Text

router = APIRouter(prefix=PREFIX, tags=TAGS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Draft a contract (MSA, SOW, SLA or NDA) with its key elements",
    responses={409: {"description": "Idempotency-Key in use"}},
)
async def create_contract(
    data: ContractCreate,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    principal: Writer,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ContractRead:

    async def create() -> ContractRead:
        return await answer(
            service, await ContractDrafting(service).create(principal, data), response
        )

    contract = await idempotency.run(
        session, response, scope=f"{principal.subject}:create_contract", key=idempotency_key,
        body=data.model_dump(mode="json"), answer=ContractRead, create=create,
    )  # fmt: skip
    response.headers["Location"] = f"/v1/contracts/{contract.id}"
    return contract


@router.get("", summary="List and search contracts")
async def list_contracts(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Reader,
    client_id: uuid.UUID | None = None,
    type: ContractType | None = None,
    stage: Stage | None = None,
    status: Annotated[
        Status | None,
        Query(description="Current status; with active_on, any in-force status means in force"),
    ] = None,
    parent_id: uuid.UUID | None = None,
    active_on: Annotated[IsoDate | None, Query(description="In force on this day")] = None,
    in_service_from: Annotated[
        IsoDate | None,
        Query(description="With in_service_to: in force on any day of the range (any status)"),
    ] = None,
    in_service_to: Annotated[
        IsoDate | None, Query(description="Last day of the in_service_from range (inclusive)")
    ] = None,
    expiring_within_days: Annotated[
        int | None, Query(ge=0, le=3650, description="Notice deadline or end within N days")
    ] = None,
    q: Annotated[
        Text | None, Query(max_length=200, description="Text in number, title or client name")
    ] = None,
) -> ContractPage:
    if active_on is not None and status is not None:
        if status not in IN_FORCE:
            raise ValidationFailed.on("status", "with active_on, only an in-force status")
        status = None  # "in force on that day" is the filter
    in_service = _in_service_range(in_service_from, in_service_to)
    due = None
    if expiring_within_days is not None:
        today = datetime.now(UTC).date()
        due = (today, today + timedelta(days=expiring_within_days))
    filters = ContractFilter(
        client_id=client_id,
        type=type,
        stage=stage,
        status=status,
        parent_id=parent_id,
        in_force_on=active_on,
        in_service_between=in_service,
        due_between=due,
        q=q,
    )
    rows, cursor = await ContractReader(service).search(principal, filters, page)
    return ContractPage(
        items=[contract_summary(r.contract, r.client_name) for r in rows],
        next_cursor=cursor,
        limit=page.limit,
    )


def _in_service_range(low: date | None, high: date | None) -> tuple[date, date] | None:
    if low is None and high is None:
        return None
    if low is None:
        raise ValidationFailed.on("in_service_from", "required with in_service_to")
    if high is None:
        raise ValidationFailed.on("in_service_to", "required with in_service_from")
    if high < low:
        raise ValidationFailed.on("in_service_to", "must be on or after in_service_from")
    return low, high


@router.get("/reminders", summary="Contracts whose notice deadline or end is near")
async def list_reminders(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Reader,
    within_days: Annotated[int, Query(ge=0, le=3650)] = 30,
    today: Annotated[
        IsoDate | None, Query(description="Count from this day (default today)")
    ] = None,
) -> ReminderPage:
    items, cursor = await ContractReader(service).reminders(principal, within_days, page, today)
    return ReminderPage(items=items, next_cursor=cursor, limit=page.limit)


@router.get("/events", summary="The event log of every contract you can see (oldest first)")
async def list_all_events(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Reader,
    type: Annotated[ContractEventType | None, Query(examples=["contract.renewed"])] = None,
) -> EventPage:
    items, cursor = await ContractReader(service).events(principal, page, type=type)
    return EventPage(
        items=[EventRead.model_validate(e) for e in items], next_cursor=cursor, limit=page.limit
    )


@router.post(
    "/status-refresh",
    summary="Recompute every contract's status (the scheduler runs this daily)",
)
async def refresh_statuses(
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(Role.service))],
    on: Annotated[IsoDate | None, Query(description="Pretend today is this day")] = None,
) -> StatusRefreshRead:
    checked, changed, events = await service.refresh_all(on)
    return StatusRefreshRead(checked=checked, changed=changed, events=events)


@router.get("/{contract_id}", summary="Get a contract as of a day", responses=NOT_FOUND)
async def get_contract(
    contract_id: uuid.UUID,
    response: Response,
    service: ServiceDep,
    principal: Reader,
    as_of: Annotated[
        IsoDate | None, Query(description="The version in effect and the status on this day")
    ] = None,
) -> ContractRead:
    return await answer(service, await service.load(principal, contract_id), response, as_of)


@router.patch("/{contract_id}", summary="Edit a draft (send If-Match)", responses=EDIT_DRAFT)
async def update_contract(
    contract_id: uuid.UUID,
    data: ContractUpdate,
    response: Response,
    service: ServiceDep,
    principal: Writer,
    if_match: IfMatch = None,
) -> ContractRead:
    loaded = await ContractDrafting(service).update(principal, contract_id, data, if_match)
    return await answer(service, loaded, response)


@router.post(
    "/{contract_id}/amendments",
    status_code=status.HTTP_201_CREATED,
    summary="Draft an amendment: a new version with its own effective date",
    responses={**NOT_FOUND, **WRONG_STAGE},
)
async def create_amendment(
    contract_id: uuid.UUID,
    data: AmendmentCreate,
    response: Response,
    service: ServiceDep,
    principal: Writer,
) -> VersionRead:
    loaded = await ContractDrafting(service).amend(principal, contract_id, data)
    response.headers["ETag"] = etag(loaded.contract.revision)
    return version_read(loaded.contract, loaded.versions, loaded.versions[-1])


@router.get("/{contract_id}/versions/{version}", summary="Get one version", responses=NOT_FOUND)
async def get_version(
    contract_id: uuid.UUID,
    version: int,
    response: Response,
    service: ServiceDep,
    principal: Reader,
) -> VersionRead:
    loaded = await service.load(principal, contract_id)
    response.headers["ETag"] = etag(loaded.contract.revision)
    return version_read(loaded.contract, loaded.versions, loaded.version(version))


@router.patch(
    "/{contract_id}/versions/{version}",
    summary="Edit a draft version (an amendment) — send If-Match",
    responses=EDIT_DRAFT,
)
async def update_version(
    contract_id: uuid.UUID,
    version: int,
    data: VersionUpdate,
    response: Response,
    service: ServiceDep,
    principal: Writer,
    if_match: IfMatch = None,
) -> VersionRead:
    loaded = await ContractDrafting(service).update_version(
        principal, contract_id, version, data, if_match
    )
    response.headers["ETag"] = etag(loaded.contract.revision)
    return version_read(loaded.contract, loaded.versions, loaded.version(version))


@router.post(
    "/{contract_id}/termination",
    summary="Request termination: checks the notice, stops renewal, computes the fee",
    responses={**NOT_FOUND, 409: {"description": "Not signed, already ended or already requested"}},
)
async def terminate_contract(
    contract_id: uuid.UUID,
    data: TerminationCreate,
    response: Response,
    service: ServiceDep,
    principal: Writer,
) -> ContractRead:
    loaded = await ContractTermination(service).terminate(principal, contract_id, data)
    return await answer(service, loaded, response)


@router.delete(
    "/{contract_id}/termination",
    summary="Withdraw a termination that has not taken effect (renewals resume)",
    responses={**NOT_FOUND, 409: {"description": "No termination, or it already took effect"}},
)
async def withdraw_termination(
    contract_id: uuid.UUID,
    response: Response,
    service: ServiceDep,
    principal: Writer,
    reason: Annotated[Text, Query(min_length=1, max_length=2000, examples=["Client stays"])],
) -> ContractRead:
    loaded = await ContractTermination(service).withdraw(principal, contract_id, reason)
    return await answer(service, loaded, response)


@router.get("/{contract_id}/events", summary="A contract's event log (oldest first)")
async def list_contract_events(
    contract_id: uuid.UUID,
    service: ServiceDep,
    page: PageParamsDep,
    principal: Reader,
    type: ContractEventType | None = None,
) -> EventPage:
    items, cursor = await ContractReader(service).events(
        principal, page, contract_id=contract_id, type=type
    )
    return EventPage(
        items=[EventRead.model_validate(e) for e in items], next_cursor=cursor, limit=page.limit
    )

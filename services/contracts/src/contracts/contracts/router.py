import uuid
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from contracts.base import idempotency
from contracts.contracts.lifecycle import IN_FORCE, Action, Stage, Status
from contracts.contracts.models import ContractType
from contracts.contracts.reading import ContractReader
from contracts.contracts.repository import ContractFilter, ContractRepository
from contracts.contracts.schemas import (
    ActionRequest,
    AmendmentCreate,
    BillingTermsRead,
    ContractCreate,
    ContractEventType,
    ContractPage,
    ContractRead,
    ContractUpdate,
    EventPage,
    EventRead,
    QueueClaimsQuery,
    QueueClaimsRead,
    QueueLookupRead,
    ReminderPage,
    ServiceTermsRead,
    SignatureCreate,
    SignerRead,
    StatusRefreshRead,
    TerminationCreate,
    VersionRead,
    VersionUpdate,
)
from contracts.contracts.service import ContractService, Loaded
from contracts.contracts.snapshot import displayed_version
from contracts.contracts.termination import ContractTermination
from contracts.contracts.views import contract_read, contract_summary, version_read
from contracts.contracts.workflow import ContractWorkflow
from contracts.organizations.repository import OrganizationRepository
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.errors import ValidationFailed
from shared.etag import etag
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import PageParamsDep
from shared.types import AwareDateTime, IsoDate, Text

router = APIRouter(prefix="/v1/contracts", tags=["contracts"])

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)
WRITERS = (Role.operator,)
SIGNERS = (Role.operator, Role.client)

Responses = dict[int | str, dict[str, Any]]

_404: Responses = {404: {"description": "No such contract (or not yours)"}}
_409: Responses = {
    409: {"description": "Not allowed in this stage; the problem names the allowed actions"}
}
_WRITE: Responses = {
    **_404,
    412: {"description": "Stale ETag"},
    428: {"description": "No If-Match"},
    409: {"description": "Only a draft is editable"},
}


def get_service(session: SessionDep) -> ContractService:
    return ContractService(ContractRepository(session), OrganizationRepository(session))


ServiceDep = Annotated[ContractService, Depends(get_service)]
Reader = Annotated[Principal, Depends(require(*READERS))]
Writer = Annotated[Principal, Depends(require(*WRITERS))]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


async def _answer(
    service: ServiceDep, loaded: Loaded, response: Response, on: IsoDate | None = None
) -> ContractRead:
    contract = loaded.contract
    response.headers["ETag"] = etag(contract.revision)
    day = on or service.today(contract.time_zone)
    return contract_read(contract, await service.client_name(contract), loaded.versions, day)


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
        return await _answer(service, await service.create(principal, data), response)

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


@router.get(
    "/queue-lookup",
    summary="The contract in force that claims a queue at a time",
    responses={
        404: {
            "description": "No contract in force claims the queue then. `reason` says why: "
            "`unclaimed` (no contract you may see lists it) or `not_in_force` (one does, but "
            "is unsigned, not started, ended or no longer lists it; `explanation` names it)"
        }
    },
)
async def lookup_queue(
    service: ServiceDep,
    principal: Reader,
    queue: Annotated[Text, Query(min_length=1, max_length=200)],
    at: Annotated[AwareDateTime, Query(description="ISO-8601 timestamp with offset")],
    client_id: Annotated[
        uuid.UUID | None,
        Query(description="Only contracts of this client (a platform registered to it)"),
    ] = None,
) -> QueueLookupRead:
    return await ContractReader(service).queue_lookup(principal, queue, at, client_id)


@router.post(
    "/queue-claims",
    summary="Which contracts in force claim a set of queues over a span (a batch's look-up)",
)
async def queue_claims(
    service: ServiceDep, principal: Reader, query: QueueClaimsQuery
) -> QueueClaimsRead:
    # A read, though POSTed: the queue list does not fit a URL. Nothing is written.
    return await ContractReader(service).queue_claims(principal, query)


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


@router.get("/{contract_id}", summary="Get a contract as of a day", responses=_404)
async def get_contract(
    contract_id: uuid.UUID,
    response: Response,
    service: ServiceDep,
    principal: Reader,
    as_of: Annotated[
        IsoDate | None, Query(description="The version in effect and the status on this day")
    ] = None,
) -> ContractRead:
    return await _answer(service, await service.load(principal, contract_id), response, as_of)


@router.patch("/{contract_id}", summary="Edit a draft (send If-Match)", responses=_WRITE)
async def update_contract(
    contract_id: uuid.UUID,
    data: ContractUpdate,
    response: Response,
    service: ServiceDep,
    principal: Writer,
    if_match: IfMatch = None,
) -> ContractRead:
    loaded = await service.update(principal, contract_id, data, if_match)
    return await _answer(service, loaded, response)


@router.post(
    "/{contract_id}/actions/{action}",
    summary="Move the open version through review and signature",
    description="submit, approve, return_to_draft, send_for_signature (with signers), recall, "
    "cancel. Acts on the version in the workflow unless `version` is given.",
    responses={**_404, **_409},
)
async def act_on_contract(
    contract_id: uuid.UUID,
    action: Action,
    response: Response,
    service: ServiceDep,
    principal: Writer,
    body: ActionRequest | None = None,
    version: Annotated[int | None, Query(ge=1)] = None,
    if_match: IfMatch = None,
) -> ContractRead:
    loaded = await ContractWorkflow(service).act(
        principal, contract_id, action, body or ActionRequest(), version, if_match
    )
    return await _answer(service, loaded, response)


@router.post(
    "/{contract_id}/amendments",
    status_code=status.HTTP_201_CREATED,
    summary="Draft an amendment: a new version with its own effective date",
    responses={**_404, **_409},
)
async def create_amendment(
    contract_id: uuid.UUID,
    data: AmendmentCreate,
    response: Response,
    service: ServiceDep,
    principal: Writer,
) -> VersionRead:
    loaded = await service.amend(principal, contract_id, data)
    response.headers["ETag"] = etag(loaded.contract.revision)
    return version_read(loaded.contract, loaded.versions, loaded.versions[-1])


@router.get("/{contract_id}/versions/{version}", summary="Get one version", responses=_404)
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
    responses=_WRITE,
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
    loaded = await service.update_version(principal, contract_id, version, data, if_match)
    response.headers["ETag"] = etag(loaded.contract.revision)
    return version_read(loaded.contract, loaded.versions, loaded.version(version))


@router.get(
    "/{contract_id}/versions/{version}/signatures",
    summary="Signers of a version and their signatures (at most 20)",
    responses=_404,
)
async def list_signatures(
    contract_id: uuid.UUID, version: int, service: ServiceDep, principal: Reader
) -> list[SignerRead]:
    loaded = await service.load(principal, contract_id)
    return [SignerRead.model_validate(s) for s in await service.signers(loaded, version)]


@router.post(
    "/{contract_id}/signatures",
    status_code=status.HTTP_201_CREATED,
    summary="Sign the version out for signature (records time, IP, user agent, SHA-256)",
    responses={**_404, **_409},
)
async def sign_contract(
    contract_id: uuid.UUID,
    data: SignatureCreate,
    request: Request,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*SIGNERS))],
) -> SignerRead:
    forwarded = request.headers.get("x-forwarded-for")
    ip = forwarded.split(",")[0].strip() if forwarded else None
    if ip is None and request.client is not None:
        ip = request.client.host
    _, signer = await ContractWorkflow(service).sign(
        principal, contract_id, data, ip=ip, user_agent=request.headers.get("user-agent")
    )
    return SignerRead.model_validate(signer)


@router.post(
    "/{contract_id}/termination",
    summary="Request termination: checks the notice, stops renewal, computes the fee",
    responses={**_404, 409: {"description": "Not signed, already ended or already requested"}},
)
async def terminate_contract(
    contract_id: uuid.UUID,
    data: TerminationCreate,
    response: Response,
    service: ServiceDep,
    principal: Writer,
) -> ContractRead:
    loaded = await ContractTermination(service).terminate(principal, contract_id, data)
    return await _answer(service, loaded, response)


@router.delete(
    "/{contract_id}/termination",
    summary="Withdraw a termination that has not taken effect (renewals resume)",
    responses={**_404, 409: {"description": "No termination, or it already took effect"}},
)
async def withdraw_termination(
    contract_id: uuid.UUID,
    response: Response,
    service: ServiceDep,
    principal: Writer,
    reason: Annotated[Text, Query(min_length=1, max_length=2000, examples=["Client stays"])],
) -> ContractRead:
    loaded = await ContractTermination(service).withdraw(principal, contract_id, reason)
    return await _answer(service, loaded, response)


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


class DocumentFormat(StrEnum):
    html = "html"
    pdf = "pdf"


@router.get(
    "/{contract_id}/document",
    summary="The contract rendered as HTML (what signers sign) or PDF",
    response_class=Response,
    responses={
        **_404,
        200: {"content": {"text/html": {}, "application/pdf": {}}, "description": "Document"},
    },
)
async def get_document(
    contract_id: uuid.UUID,
    service: ServiceDep,
    principal: Reader,
    format: DocumentFormat = DocumentFormat.html,
    version: Annotated[int | None, Query(ge=1)] = None,
    as_of: IsoDate | None = None,
) -> Response:
    loaded = await service.load(principal, contract_id)
    if version is not None:
        chosen = loaded.version(version)
    else:
        day = as_of or service.today(loaded.contract.time_zone)
        chosen = displayed_version(loaded.versions, day)
    html = await service.render(loaded, chosen)
    headers = {"X-Version": str(chosen.version)}
    if chosen.document_sha256:
        headers["X-Document-SHA256"] = chosen.document_sha256
    if format is DocumentFormat.html:
        return HTMLResponse(html, headers=headers)
    pdf = await service.render_pdf(loaded, chosen)
    name = f"{loaded.contract.number}-v{chosen.version}.pdf"
    headers["Content-Disposition"] = f'inline; filename="{name}"'
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get(
    "/{contract_id}/service-terms",
    summary="Service levels, hours, holidays and queues of the versions in a date range",
    responses=_404,
)
async def get_service_terms(
    contract_id: uuid.UUID,
    service: ServiceDep,
    principal: Reader,
    from_: Annotated[IsoDate, Query(alias="from")],
    to: IsoDate,
) -> ServiceTermsRead:
    return await ContractReader(service).service_terms(principal, contract_id, from_, to)


@router.get(
    "/{contract_id}/billing-terms",
    summary="Status, term, termination fee and service-credit terms on a day",
    responses=_404,
)
async def get_billing_terms(
    contract_id: uuid.UUID, service: ServiceDep, principal: Reader, on: IsoDate
) -> BillingTermsRead:
    return await ContractReader(service).billing_terms(principal, contract_id, on)

"""What other services read: queue look-ups and claims, service terms and billing terms."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from contracts.contracts.deps import (
    NOT_FOUND,
    PREFIX,
    TAGS,
    Reader,
    ServiceDep,
)
from contracts.contracts.published.schemas import (
    BillingTermsRead,
    QueueClaimsQuery,
    QueueClaimsRead,
    QueueLookupRead,
    ServiceTermsRead,
)
from contracts.contracts.published.service import PublishedReader
from shared.types import AwareDateTime, IsoDate, Text

router = APIRouter(prefix=PREFIX, tags=TAGS)


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
    return await PublishedReader(service).queue_lookup(principal, queue, at, client_id)


@router.post(
    "/queue-claims",
    summary="Which contracts in force claim a set of queues over a span (a batch's look-up)",
)
async def queue_claims(
    service: ServiceDep, principal: Reader, query: QueueClaimsQuery
) -> QueueClaimsRead:
    # A read, though POSTed: the queue list does not fit a URL. Nothing is written.
    return await PublishedReader(service).queue_claims(principal, query)


@router.get(
    "/{contract_id}/service-terms",
    summary="Service levels, hours, holidays and queues of the versions in a date range",
    responses=NOT_FOUND,
)
async def get_service_terms(
    contract_id: uuid.UUID,
    service: ServiceDep,
    principal: Reader,
    from_: Annotated[IsoDate, Query(alias="from")],
    to: IsoDate,
) -> ServiceTermsRead:
    return await PublishedReader(service).service_terms(principal, contract_id, from_, to)


@router.get(
    "/{contract_id}/billing-terms",
    summary="Status, term, termination fee and service-credit terms on a day",
    responses=NOT_FOUND,
)
async def get_billing_terms(
    contract_id: uuid.UUID, service: ServiceDep, principal: Reader, on: IsoDate
) -> BillingTermsRead:
    return await PublishedReader(service).billing_terms(principal, contract_id, on)

"""Review and signature: the stage actions, the signers and their signatures."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from contracts.contracts.deps import (
    NOT_FOUND,
    PREFIX,
    SIGNERS,
    TAGS,
    WRONG_STAGE,
    IfMatch,
    Reader,
    ServiceDep,
    Writer,
    answer,
)
from contracts.contracts.rules.lifecycle import Action
from contracts.contracts.schemas import ContractRead
from contracts.contracts.signing.schemas import ActionRequest, SignatureCreate, SignerRead
from contracts.contracts.signing.workflow import ContractWorkflow
from shared.auth import Principal, require

router = APIRouter(prefix=PREFIX, tags=TAGS)


@router.post(
    "/{contract_id}/actions/{action}",
    summary="Move the open version through review and signature",
    description="submit, approve, return_to_draft, send_for_signature (with signers), recall, "
    "cancel. Acts on the version in the workflow unless `version` is given.",
    responses={**NOT_FOUND, **WRONG_STAGE},
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
    return await answer(service, loaded, response)


@router.get(
    "/{contract_id}/versions/{version}/signatures",
    summary="Signers of a version and their signatures (at most 20)",
    responses=NOT_FOUND,
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
    responses={**NOT_FOUND, **WRONG_STAGE},
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

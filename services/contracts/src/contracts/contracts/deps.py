"""What the contracts routes share: who may read and write, the service, the answer with its
ETag, and the responses they document."""

from typing import Annotated, Any

from fastapi import Depends, Header, Response

from contracts.contracts.loaded import Loaded
from contracts.contracts.repository import ContractRepository
from contracts.contracts.schemas import ContractRead
from contracts.contracts.service import ContractService
from contracts.contracts.views import contract_read
from contracts.organizations.repository import OrganizationRepository
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.etag import etag
from shared.types import IsoDate

PREFIX = "/v1/contracts"
TAGS: list[str | Any] = ["contracts"]

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)
WRITERS = (Role.operator,)
SIGNERS = (Role.operator, Role.client)

Responses = dict[int | str, dict[str, Any]]

NOT_FOUND: Responses = {404: {"description": "No such contract (or not yours)"}}
WRONG_STAGE: Responses = {
    409: {"description": "Not allowed in this stage; the problem names the allowed actions"}
}
EDIT_DRAFT: Responses = {
    **NOT_FOUND,
    412: {"description": "Stale ETag"},
    428: {"description": "No If-Match"},
    409: {"description": "Only a draft is editable"},
}


async def get_service(session: SessionDep) -> ContractService:
    return ContractService(ContractRepository(session), OrganizationRepository(session))


ServiceDep = Annotated[ContractService, Depends(get_service)]
Reader = Annotated[Principal, Depends(require(*READERS))]
Writer = Annotated[Principal, Depends(require(*WRITERS))]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


async def answer(
    service: ServiceDep, loaded: Loaded, response: Response, on: IsoDate | None = None
) -> ContractRead:
    contract = loaded.contract
    response.headers["ETag"] = etag(contract.revision)
    day = on or service.today(contract.time_zone)
    return contract_read(contract, await service.client_name(contract), loaded.versions, day)

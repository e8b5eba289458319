"""The contract as a document: the HTML signers sign, or the PDF."""

import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from contracts.contracts.deps import (
    NOT_FOUND,
    PREFIX,
    TAGS,
    Reader,
    ServiceDep,
)
from contracts.contracts.documents.service import ContractDocuments
from contracts.contracts.rules.snapshot import displayed_version
from shared.types import IsoDate

router = APIRouter(prefix=PREFIX, tags=TAGS)


class DocumentFormat(StrEnum):
    html = "html"
    pdf = "pdf"


@router.get(
    "/{contract_id}/document",
    summary="The contract rendered as HTML (what signers sign) or PDF",
    response_class=Response,
    responses={
        **NOT_FOUND,
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
    documents = ContractDocuments(service.repository, service.organizations)
    html = await documents.html(loaded, chosen)
    headers = {"X-Version": str(chosen.version)}
    if chosen.document_sha256:
        headers["X-Document-SHA256"] = chosen.document_sha256
    if format is DocumentFormat.html:
        return HTMLResponse(html, headers=headers)
    pdf = await documents.pdf(loaded, chosen)
    name = f"{loaded.contract.number}-v{chosen.version}.pdf"
    headers["Content-Disposition"] = f'inline; filename="{name}"'
    return Response(pdf, media_type="application/pdf", headers=headers)

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from metrics.deps import IngestDep
from metrics.evaluations.repository import EvaluationRepository
from metrics.evaluations.schemas import EvaluationBatch, EvaluationRead
from metrics.evaluations.service import EvaluationService
from metrics.records.router import INGESTERS, READERS, body_schema, parse_json_body
from metrics.records.schemas import BatchResult
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.pagination import Page, PageParamsDep
from shared.types import AwareDateTime

router = APIRouter(tags=["quality evaluations"])


async def get_evaluations(session: SessionDep, ingest: IngestDep) -> EvaluationService:
    return EvaluationService(EvaluationRepository(session), ingest)


EvaluationDep = Annotated[EvaluationService, Depends(get_evaluations)]


@router.post(
    "/v1/quality-evaluations",
    summary="Push up to 10,000 QA evaluations (idempotent by external id; newer replace older)",
    openapi_extra=body_schema(EvaluationBatch),
    description="Scores (0..100) a QA tool gives a contact (by the contact record's external "
    "id) or an agent's day (in a contract, named or found by its queue). They feed the "
    "`quality_score` KPI and service levels. Each evaluation is validated on its own "
    "(per-row rejections); the same external id sent again updates the evaluation.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "received": 2,
                        "inserted": 1,
                        "updated": 0,
                        "unchanged": 0,
                        "rejected": 1,
                        "rejections": [
                            {"index": 1, "field": "contact", "message": "no such contact"}
                        ],
                    }
                }
            }
        },
        404: {"description": "No such source (or not yours)"},
    },
)
async def ingest_quality_evaluations(
    request: Request,
    service: EvaluationDep,
    principal: Annotated[Principal, Depends(require(*INGESTERS))],
) -> BatchResult:
    # Parsed by hand, as contact records are, so a bad row is reported without losing others.
    batch = parse_json_body(await request.body(), EvaluationBatch)
    return await service.ingest_evaluations(principal, batch.source, batch.records)


@router.get(
    "/v1/quality-evaluations",
    summary="List QA evaluations (oldest evaluated first)",
    responses={404: {"description": "No such contract (or not yours)"}},
)
async def list_quality_evaluations(
    service: EvaluationDep,
    page: PageParamsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    contract_id: uuid.UUID | None = None,
    evaluated_from: Annotated[AwareDateTime | None, Query(alias="from")] = None,
    evaluated_to: Annotated[AwareDateTime | None, Query(alias="to")] = None,
) -> Page[EvaluationRead]:
    items, next_cursor = await service.list_evaluations(
        principal, page, contract_id=contract_id, start=evaluated_from, end=evaluated_to
    )
    return Page[EvaluationRead](
        items=[EvaluationRead.model_validate(e) for e in items],
        next_cursor=next_cursor,
        limit=page.limit,
    )

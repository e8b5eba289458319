from typing import Annotated

from fastapi import APIRouter, Depends

from metrics.activity.repository import ActivityRepository
from metrics.activity.schemas import ActivityBatch
from metrics.activity.service import ActivityService
from metrics.deps import IngestDep
from metrics.records.router import BATCH_RESPONSE, INGESTERS
from metrics.records.schemas import BatchResult
from shared.auth import Principal, require
from shared.db import SessionDep

router = APIRouter(tags=["agent activity"])


def get_activity(session: SessionDep, ingest: IngestDep) -> ActivityService:
    return ActivityService(ActivityRepository(session), ingest)


ActivityDep = Annotated[ActivityService, Depends(get_activity)]


@router.post(
    "/v1/agent-activity",
    summary="Push up to 10,000 agent activity spans (idempotent; newer versions replace older)",
    responses={200: BATCH_RESPONSE, 404: {"description": "No such source (or not yours)"}},
)
async def ingest_agent_activity(
    batch: ActivityBatch,
    service: ActivityDep,
    principal: Annotated[Principal, Depends(require(*INGESTERS))],
) -> BatchResult:
    return await service.ingest_activity(principal, batch.source, batch.records)

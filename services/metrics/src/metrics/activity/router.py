from typing import Annotated

from fastapi import APIRouter, Depends, Request

from metrics.activity.repository import ActivityRepository
from metrics.activity.schemas import ActivityBatch
from metrics.activity.service import ActivityService
from metrics.deps import IngestDep
from metrics.records.router import INGESTERS, body_schema, parse_json_body
from metrics.records.schemas import BatchResult
from shared.auth import Principal, require
from shared.db import SessionDep

router = APIRouter(tags=["agent activity"])


async def get_activity(session: SessionDep, ingest: IngestDep) -> ActivityService:
    return ActivityService(ActivityRepository(session), ingest)


ActivityDep = Annotated[ActivityService, Depends(get_activity)]


@router.post(
    "/v1/agent-activity",
    summary="Push up to 10,000 agent activity spans (idempotent; newer versions replace older)",
    openapi_extra=body_schema(ActivityBatch),
    description="Spans of agents in states (available, on contact, after-contact work, break, "
    "...), optionally naming the queue (skill) and channel they were in: platforms that report "
    "an agent's state per queue send one span per queue. Occupancy per queue or channel counts "
    "only the spans naming them. Each span is validated on its own (per-row rejections).",
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
                            {
                                "index": 1,
                                "field": "channel",
                                "message": "String should match pattern '^[a-z][a-z0-9_-]*$'",
                            }
                        ],
                    }
                }
            }
        },
        404: {"description": "No such source (or not yours)"},
    },
)
async def ingest_agent_activity(
    request: Request,
    service: ActivityDep,
    principal: Annotated[Principal, Depends(require(*INGESTERS))],
) -> BatchResult:
    # Parsed here, as contact records are: pydantic's JSON parser bounds nesting and names
    # the field, where the framework's decoding answers a bare 400 for a deeply nested body.
    batch = parse_json_body(await request.body(), ActivityBatch)
    return await service.ingest_activity(principal, batch.source, batch.records)

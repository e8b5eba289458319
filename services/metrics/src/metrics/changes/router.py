"""Which contracts' SLA inputs changed lately: what billing's SLA alerts poll, so that a
contract is projected again soon after its records arrive, once per burst of batches."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from metrics.changes.repository import KEPT, LOOK_BACK, ChangeLog
from metrics.changes.schemas import ContractChangeRead
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.pagination import Page, PageParamsDep
from shared.types import AwareDateTime

router = APIRouter(prefix="/v1/sla-input-changes", tags=["sla risk"])


@router.get(
    "",
    summary="Contracts whose contact records, activity or QA evaluations changed since a moment",
    description="Each contract with a write after `since`, with its latest one, oldest first. "
    f"Changes are kept {KEPT.days} days. A change is stamped just before its transaction "
    "commits, so a poller asks from a little before its previous answer "
    f"({int(LOOK_BACK.total_seconds())} s) and compares `changed_at` with what it has seen.",
)
async def sla_input_changes(
    session: SessionDep,
    page: PageParamsDep,
    _: Annotated[Principal, Depends(require(Role.operator, Role.finance, Role.service))],
    since: Annotated[AwareDateTime, Query(description="ISO 8601 with offset")],
) -> Page[ContractChangeRead]:
    changes, cursor = await ChangeLog(session).page(since, page, now=datetime.now(UTC))
    return Page(
        items=[
            ContractChangeRead(contract_id=c.contract_id, changed_at=c.changed_at) for c in changes
        ],
        next_cursor=cursor,
        limit=page.limit,
    )

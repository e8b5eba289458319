from typing import Annotated

from fastapi import APIRouter, Depends

from billing.dependencies import READERS
from billing.events.schemas import EventPage, EventRead
from billing.events.service import EventFeed
from billing.events.webhooks.schemas import EventType
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.pagination import PageParamsDep

router = APIRouter(prefix="/v1/billing-events", tags=["billing events"])


@router.get(
    "",
    summary="Billing events in commit order (only committed ones), paginated",
    description=(
        "Poll with the last `next_cursor` to get what happened since; an event appears only "
        "once the transaction that wrote it has committed, and no event is ever skipped."
    ),
)
async def list_billing_events(
    session: SessionDep,
    page: PageParamsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    type: EventType | None = None,
) -> EventPage:
    items, cursor = await EventFeed(session).page(principal, page, type)
    return EventPage(
        items=[EventRead.model_validate(e) for e in items], next_cursor=cursor, limit=page.limit
    )

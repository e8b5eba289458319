from typing import Annotated

from fastapi import APIRouter, Depends

from billing.dependencies import READERS
from billing.events.repository import EventRepository
from billing.events.schemas import EventPage, EventRead
from billing.events.webhooks.schemas import EventType
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.errors import ValidationFailed
from shared.pagination import PageParamsDep, encode_cursor

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
    after = None
    if page.after is not None:
        try:
            import uuid

            after = (int(page.after[0]), uuid.UUID(page.after[1]))
        except (ValueError, IndexError) as exc:
            raise ValidationFailed.on("cursor", "not a cursor for this list") from exc
    rows = await EventRepository(session).page(
        after, page.limit, client_id=principal.tenant_client_id, type_=type
    )
    items = rows[: page.limit]
    cursor = None
    if len(rows) > page.limit:
        cursor = encode_cursor([items[-1].txid, items[-1].id])
    return EventPage(
        items=[EventRead.model_validate(e) for e in items], next_cursor=cursor, limit=page.limit
    )

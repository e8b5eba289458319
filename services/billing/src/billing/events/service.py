"""The billing event feed: committed events in commit order, limited to the caller's client."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from billing.events.models import OutboxEvent
from billing.events.repository import EventRepository
from shared.auth import Principal
from shared.errors import ValidationFailed
from shared.pagination import PageParams, encode_cursor


class EventFeed:
    def __init__(self, session: AsyncSession) -> None:
        self.repository = EventRepository(session)

    async def page(
        self, principal: Principal, page: PageParams, type_: str | None = None
    ) -> tuple[list[OutboxEvent], str | None]:
        after = None
        if page.after is not None:
            try:
                after = (int(page.after[0]), uuid.UUID(page.after[1]))
            except (ValueError, IndexError) as exc:
                raise ValidationFailed.on("cursor", "not a cursor for this list") from exc
        rows = await self.repository.page(
            after, page.limit, client_id=principal.tenant_client_id, type_=type_
        )
        items = rows[: page.limit]
        cursor = None
        if len(rows) > page.limit:
            cursor = encode_cursor([items[-1].txid, items[-1].id])
        return items, cursor

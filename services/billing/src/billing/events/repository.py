import uuid
from typing import Any

from sqlalchemy import func, literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from billing.events.models import OutboxEvent, WebhookDelivery

# Events of transactions older than every transaction still running: committed (or rolled back,
# then they do not exist). A reader never sees an event whose transaction has not committed, and
# paging by (txid, id) never skips one that commits late.
_COMMITTED: ColumnElement[int] = literal_column(
    "(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint"
)


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self,
        after: tuple[int, uuid.UUID] | None,
        limit: int,
        *,
        client_id: uuid.UUID | None = None,
        type_: str | None = None,
    ) -> list[OutboxEvent]:
        stmt = select(OutboxEvent).where(OutboxEvent.txid < _COMMITTED)
        if after is not None:
            stmt = stmt.where(tuple_(OutboxEvent.txid, OutboxEvent.id) > tuple_(*after))
        if client_id:
            stmt = stmt.where(OutboxEvent.client_id == client_id)
        if type_:
            stmt = stmt.where(OutboxEvent.type == type_)
        stmt = stmt.order_by(OutboxEvent.txid, OutboxEvent.id).limit(limit + 1)
        return list((await self.session.execute(stmt)).scalars())

    async def undelivered(self, url: str, limit: int) -> list[OutboxEvent]:
        delivered = select(WebhookDelivery.event_id).where(
            WebhookDelivery.url == url, WebhookDelivery.delivered_at.is_not(None)
        )
        stmt = (
            select(OutboxEvent)
            .where(OutboxEvent.txid < _COMMITTED, OutboxEvent.id.not_in(delivered))
            .order_by(OutboxEvent.txid, OutboxEvent.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def record_attempt(
        self, event_id: uuid.UUID, url: str, status_code: int | None, error: str | None
    ) -> None:
        values: dict[str, Any] = {
            "event_id": event_id,
            "url": url,
            "attempts": 1,
            "status_code": status_code,
            "last_error": error,
            "delivered_at": func.now() if error is None else None,
        }
        stmt = insert(WebhookDelivery).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["event_id", "url"],
            set_={
                "attempts": WebhookDelivery.attempts + 1,
                "status_code": stmt.excluded.status_code,
                "last_error": stmt.excluded.last_error,
                "delivered_at": stmt.excluded.delivered_at,
            },
        )
        await self.session.execute(stmt)

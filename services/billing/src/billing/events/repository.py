import uuid

from sqlalchemy import literal_column, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from billing.events.models import OutboxEvent

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

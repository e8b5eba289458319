import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, true, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.events.models import OutboxEvent
from billing.events.repository import _COMMITTED
from billing.events.webhooks.models import WebhookAttempt, WebhookEndpoint
from shared.ids import uuid7_floor
from shared.pagination import PageParams, keyset, page_from_rows

MAX_EVENT_ID = uuid.UUID(int=(1 << 128) - 1)


@dataclass(frozen=True)
class Batch:
    """Events an endpoint is due, and the horizon they were read at: every event written by a
    transaction below it is committed and was considered, so when the batch is not full, a
    cursor may move up to the horizon once they are all delivered."""

    events: list[OutboxEvent]
    horizon: int


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- the API ---

    async def add(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        self.session.add(endpoint)
        await self.session.flush()
        await self.session.refresh(endpoint)
        return endpoint

    async def flush(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        await self.session.flush()
        await self.session.refresh(endpoint)
        return endpoint

    async def get(
        self, endpoint_id: uuid.UUID, *, for_update: bool = False
    ) -> WebhookEndpoint | None:
        stmt = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(
        self, params: PageParams, *, client_id: uuid.UUID | None, only_client: bool
    ) -> tuple[list[WebhookEndpoint], str | None]:
        stmt = select(WebhookEndpoint)
        if only_client:
            stmt = stmt.where(WebhookEndpoint.client_id == client_id)
        stmt = keyset(stmt, params, [WebhookEndpoint.id])
        rows = (await self.session.execute(stmt)).scalars().all()
        return page_from_rows(rows, params, ("id",))

    async def delete(self, endpoint: WebhookEndpoint) -> None:
        await self.session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id))

    async def prune_attempts(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` attempts made before ``before`` (oldest first, by their
        time-ordered ids, so the primary key finds them); answers how many went."""
        oldest = (
            select(WebhookAttempt.id)
            .where(WebhookAttempt.id < uuid7_floor(before))
            .order_by(WebhookAttempt.id)
            .limit(limit)
        )
        result = await self.session.execute(
            delete(WebhookAttempt).where(WebhookAttempt.id.in_(oldest.scalar_subquery()))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def attempts(
        self, endpoint_id: uuid.UUID, params: PageParams
    ) -> tuple[list[WebhookAttempt], str | None]:
        stmt = select(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint_id)
        stmt = keyset(stmt, params, [WebhookAttempt.id], descending=True)
        rows = (await self.session.execute(stmt)).scalars().all()
        return page_from_rows(rows, params, ("id",))

    # --- the dispatcher ---

    async def claim_due(
        self, limit: int, lease: timedelta, *, exclude: Collection[uuid.UUID] = ()
    ) -> list[WebhookEndpoint]:
        """Enabled endpoints whose backoff has passed and that no dispatcher holds, leased."""
        now = func.now()
        due = (
            select(WebhookEndpoint.id)
            .where(
                WebhookEndpoint.id.not_in(exclude) if exclude else true(),
                WebhookEndpoint.enabled,
                or_(
                    WebhookEndpoint.next_attempt_at.is_(None),
                    WebhookEndpoint.next_attempt_at <= now,
                ),
                or_(WebhookEndpoint.lease_until.is_(None), WebhookEndpoint.lease_until < now),
            )
            .order_by(WebhookEndpoint.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(due.scalar_subquery()))
            .values(lease_until=now + lease)
            .returning(WebhookEndpoint)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def release(self, endpoint_id: uuid.UUID) -> None:
        await self.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(lease_until=None)
        )

    async def due_events(self, endpoint: WebhookEndpoint, limit: int) -> Batch:
        """The next events after the endpoint's cursor that it wants, in commit order, read in
        one statement with the horizon (so both come from one snapshot)."""
        horizon = select(_COMMITTED.label("horizon")).cte("horizon")
        wanted = [
            OutboxEvent.txid < horizon.c.horizon,
            tuple_(OutboxEvent.txid, OutboxEvent.id)
            > tuple_(endpoint.cursor_txid, endpoint.cursor_event_id),
        ]
        if endpoint.client_id is not None:
            wanted.append(OutboxEvent.client_id == endpoint.client_id)
        if endpoint.event_types is not None:
            wanted.append(OutboxEvent.type.in_(endpoint.event_types))
        stmt = (
            select(horizon.c.horizon, OutboxEvent)
            .select_from(horizon)
            .outerjoin(OutboxEvent, and_(true(), *wanted))
            .order_by(OutboxEvent.txid, OutboxEvent.id)
            .limit(limit)
        )
        rows = (await self.session.execute(stmt)).all()
        events = [row[1] for row in rows if row[1] is not None]
        return Batch(events, int(rows[0][0]))

    async def record(
        self,
        endpoint_id: uuid.UUID,
        event: OutboxEvent,
        *,
        status_code: int | None,
        error: str | None,
        duration_ms: int,
        lease: timedelta,
        backoff: timedelta,
        disable_after: timedelta | None,
    ) -> bool:
        """Note one attempt and move the endpoint on (success: past the event; failure: back
        off). False when the endpoint is gone (deleted meanwhile) or was disabled."""
        now = func.now()
        values: dict[str, Any] = {
            "last_attempt_at": now,
            "last_status_code": status_code,
            "lease_until": now + lease,
        }
        if error is None:
            values |= {
                "cursor_txid": event.txid,
                "cursor_event_id": event.id,
                "last_delivered_event_id": event.id,
                "last_delivered_at": now,
                "consecutive_failures": 0,
                "failing_since": None,
                "next_attempt_at": None,
            }
        else:
            values |= {
                "last_error": error,
                "consecutive_failures": WebhookEndpoint.consecutive_failures + 1,
                "failing_since": func.coalesce(WebhookEndpoint.failing_since, now),
                "next_attempt_at": now + backoff,
            }
        stmt = (
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled)
            .values(**values)
            .returning(WebhookEndpoint.failing_since)
        )
        failing_since = (await self.session.execute(stmt)).first()
        if failing_since is None:
            return False
        self.session.add(
            WebhookAttempt(
                endpoint_id=endpoint_id,
                event_id=event.id,
                event_type=event.type,
                status_code=status_code,
                error=error,
                duration_ms=duration_ms,
            )
        )
        if error is not None and disable_after is not None:
            await self.session.execute(
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.id == endpoint_id,
                    WebhookEndpoint.failing_since < now - disable_after,
                )
                .values(
                    enabled=False,
                    disabled_reason=f"disabled automatically: every delivery failed since "
                    f"{failing_since[0]:%Y-%m-%d %H:%M} UTC",
                    revision=WebhookEndpoint.revision + 1,
                )
            )
        await self.session.flush()
        return True

    async def advance_to(self, endpoint_id: uuid.UUID, horizon: int) -> None:
        """Move the cursor past everything below the horizon (nothing there was wanted or it
        was all delivered), so the next read does not walk those events again."""
        await self.session.execute(
            update(WebhookEndpoint)
            .where(
                WebhookEndpoint.id == endpoint_id,
                WebhookEndpoint.cursor_txid < horizon - 1,
            )
            .values(cursor_txid=horizon - 1, cursor_event_id=MAX_EVENT_ID)
        )

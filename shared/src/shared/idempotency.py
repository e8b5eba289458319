"""``Idempotency-Key`` for creating endpoints, inside the request's own transaction.

Same key and same body -> the stored answer; same key and another body -> 422; the same key
while the first request is still running -> 409. The stored answer is written in the same
transaction as the work, so a failed request stores nothing and may simply be retried.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Header, Response
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Conflict, ValidationFailed

KEY_TTL = timedelta(hours=24)

AnswerT = TypeVar("AnswerT", bound=BaseModel)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retry-safe creation: the same key and body return the first answer.",
    ),
]


def idempotency_table(metadata: MetaData) -> Table:
    """The table each service keeps its keys in (part of its own schema and migrations)."""
    return Table(
        "idempotency_key",
        metadata,
        Column("scope", String(300), nullable=False),
        Column("key", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("scope", "key"),
    )


def request_hash(body: Any) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, default=str, separators=(",", ":")).encode()
    ).hexdigest()


@dataclass
class StoredResponse:
    status_code: int
    body: Any


class Idempotency:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def begin(
        self, session: AsyncSession, scope: str, key: str | None, body: Any
    ) -> StoredResponse | None:
        """Claim ``key`` for this transaction, or return the answer stored for it."""
        if key is None:
            return None
        lock_id = f"{scope}\n{key}"
        got_lock = await session.scalar(
            text("select pg_try_advisory_xact_lock(hashtextextended(:id, 0))"), {"id": lock_id}
        )
        if not got_lock:
            raise Conflict("a request with this Idempotency-Key is still being processed")
        row = (
            await session.execute(
                select(self.table).where(self.table.c.scope == scope, self.table.c.key == key)
            )
        ).first()
        if row is None:
            return None
        if row.created_at < datetime.now(UTC) - KEY_TTL:
            await session.execute(
                delete(self.table).where(self.table.c.scope == scope, self.table.c.key == key)
            )
            return None
        if row.request_hash != request_hash(body):
            raise ValidationFailed.on(
                "Idempotency-Key", "this key was used with a different request body", "reused"
            )
        return StoredResponse(row.status_code, row.response)

    async def store(
        self,
        session: AsyncSession,
        scope: str,
        key: str | None,
        body: Any,
        status: int,
        answer: Any,
    ) -> None:
        if key is None:
            return
        await session.execute(
            insert(self.table).values(
                scope=scope,
                key=key,
                request_hash=request_hash(body),
                status_code=status,
                response=answer,
            )
        )

    async def run(
        self,
        session: AsyncSession,
        response: Response,
        *,
        scope: str,
        key: str | None,
        body: Any,
        answer: type[AnswerT],
        create: Callable[[], Awaitable[AnswerT | tuple[AnswerT, int]]],
    ) -> AnswerT:
        """What a creating endpoint does with its key: replay the stored answer, or call
        ``create`` (which returns the answer, or the answer and its status; 201 by default)
        and store what it answered, in the request's transaction."""
        if stored := await self.begin(session, scope, key, body):
            response.status_code = stored.status_code
            return answer.model_validate(stored.body)
        result = await create()
        created, status = result if isinstance(result, tuple) else (result, 201)
        response.status_code = status
        await self.store(session, scope, key, body, status, created.model_dump(mode="json"))
        return created

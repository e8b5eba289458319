"""Database plumbing: engine per process (owned by the app lifespan), one transaction per request.

Services only ``flush()``; the session dependency below is the one place a transaction begins
and ends. It is declared with ``scope="function"`` so the commit happens before the response is
sent: a client never sees a 201 for a row that then failed to commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.errors import DatabaseUnavailable, is_connection_failure

# One naming convention for every constraint, so Alembic autogenerate and hand-written
# migrations agree on names and downgrades can drop what upgrades created.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def escape_like(text: str) -> str:
    """Make user text literal inside a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """Make the pool's connections (what SQLAlchemy would do), with a refused, unreachable or
    not-yet-ready server raised as ``DatabaseUnavailable``: SQLAlchemy passes a socket error
    at connect through unwrapped, where nothing could tell it from any other OSError."""
    try:
        return dialect.connect(*cargs, **cparams)
    except Exception as exc:
        if is_connection_failure(exc):
            raise DatabaseUnavailable(
                f"the database is unavailable ({type(exc).__name__}); retry later"
            ) from exc
        raise


class Database:
    """An engine and its session factory. Created in the lifespan, disposed at shutdown."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            # No ping before each checkout: with asyncpg it is three round trips (BEGIN, a
            # query, ROLLBACK), as many as the request's own work. A connection the server
            # dropped (a restart, a failover) fails its one request as a 503, and SQLAlchemy
            # then renews every older connection of the pool before they are used.
            pool_pre_ping=False,
            echo=echo,
            # Every timestamp is stored as UTC; sessions agree so date_trunc etc. are predictable.
            connect_args={"server_settings": {"timezone": "UTC", "application_name": "contrato"}},
        )
        event.listen(self.engine.sync_engine, "do_connect", _connect)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session and one transaction per request: committed if the handler returns,
    rolled back if it raises (so a failed request leaves the database as it was)."""
    database: Database = request.app.state.database
    async with database.sessionmaker() as session, session.begin():
        yield session


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    # Indirection so tests can override one stable dependency with a session bound to a
    # connection whose outer transaction is rolled back after each test.
    async for session in _request_session(request):
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

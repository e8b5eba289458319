"""The driver's connection under a session, for what SQLAlchemy does not do (COPY, and
statements sent as they are)."""

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession


async def raw_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session's transaction (for COPY)."""
    connection = await session.connection()
    fairy = await connection.get_raw_connection()
    return fairy.driver_connection

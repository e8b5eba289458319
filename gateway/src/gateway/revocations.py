"""Which API clients are revoked, so their live tokens stop working before they expire.

A revocation is announced with PostgreSQL's NOTIFY in the transaction that records it, so
every gateway process listening on the database learns of it the moment it commits. The set
is also read again from the table every ``refresh_seconds``, and at once after the listening
connection was lost (notices sent meanwhile are not replayed), so a lost notice costs at
most that interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

import structlog

from gateway.api_clients.repository import REVOKED_CHANNEL, ApiClientRepository
from shared.db import Database

log = structlog.get_logger("gateway.revocations")


class Revocations:
    def __init__(self, database: Database, refresh_seconds: float = 5.0) -> None:
        self.database = database
        self.refresh_seconds = refresh_seconds
        self._revoked: set[uuid.UUID] = set()
        self._loaded_at = -1e9
        self._lock = asyncio.Lock()
        self._listener: asyncio.Task[None] | None = None

    def mark_revoked(self, api_client_id: uuid.UUID) -> None:
        self._revoked.add(api_client_id)

    async def is_revoked(self, api_client_id: uuid.UUID) -> bool:
        if time.monotonic() - self._loaded_at > self.refresh_seconds:
            async with self._lock:
                if time.monotonic() - self._loaded_at > self.refresh_seconds:
                    async with self.database.sessionmaker() as session:
                        self._revoked |= await ApiClientRepository(session).revoked_ids()
                    self._loaded_at = time.monotonic()
        return api_client_id in self._revoked

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="revocation-listener")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    def _on_notice(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        with contextlib.suppress(ValueError):
            self._revoked.add(uuid.UUID(payload))

    async def _listen(self) -> None:
        """Hold one connection that LISTENs; when it is lost, read the table again and
        listen anew."""
        while True:
            lost = asyncio.Event()
            try:
                async with self.database.engine.connect() as connection:
                    raw: Any = (await connection.get_raw_connection()).driver_connection
                    raw.add_termination_listener(lambda _c, lost=lost: lost.set())
                    await raw.add_listener(REVOKED_CHANNEL, self._on_notice)
                    self._loaded_at = -1e9  # anything revoked while we were not listening
                    try:
                        await lost.wait()
                    finally:  # the connection goes back to the pool: leave it as it came
                        if not raw.is_closed():
                            with contextlib.suppress(Exception):
                                await raw.remove_listener(REVOKED_CHANNEL, self._on_notice)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: poll until it is back
                log.warning("revocations.listener_lost", error=type(exc).__name__)
            self._loaded_at = -1e9
            await asyncio.sleep(1.0)

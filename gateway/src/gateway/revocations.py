"""Which API clients are revoked, so their live tokens stop working before they expire.

Read from the gateway's database at most every ``refresh_seconds``; a revocation made through
this gateway takes effect at once, one made through another gateway within that interval.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from gateway.api_clients.repository import ApiClientRepository
from shared.db import Database


class Revocations:
    def __init__(self, database: Database, refresh_seconds: float = 5.0) -> None:
        self.database = database
        self.refresh_seconds = refresh_seconds
        self._revoked: set[uuid.UUID] = set()
        self._loaded_at = -1e9
        self._lock = asyncio.Lock()

    def mark_revoked(self, api_client_id: uuid.UUID) -> None:
        self._revoked.add(api_client_id)

    async def is_revoked(self, api_client_id: uuid.UUID) -> bool:
        if time.monotonic() - self._loaded_at > self.refresh_seconds:
            async with self._lock:
                if time.monotonic() - self._loaded_at > self.refresh_seconds:
                    async with self.database.sessionmaker() as session:
                        self._revoked = await ApiClientRepository(session).revoked_ids()
                    self._loaded_at = time.monotonic()
        return api_client_id in self._revoked

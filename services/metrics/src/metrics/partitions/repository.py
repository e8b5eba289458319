"""SQL of the contact_record partitions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def partition_name(month: datetime) -> str:
    """The name ``metrics_ensure_contact_partition`` gives a UTC month's partition."""
    return f"contact_record_{month:%Y_%m}"


class PartitionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, month: datetime) -> bool:
        found = await self.session.scalar(
            text("SELECT to_regclass(:name) IS NOT NULL"), {"name": partition_name(month)}
        )
        return bool(found)

    async def create(self, month: datetime, *, lock_timeout_ms: int) -> bool:
        """Create the month's partition unless it exists; answers whether this call created it.

        The same protocol as ingestion (``RecordRepository.ensure_partitions``): a
        self-conflicting lock on the parent serializes creators (ingesting batches, other
        replicas) and makes the name lookup see a partition created meanwhile. ``lock_timeout``
        bounds the wait: the job never queues ingestion up behind a long transaction."""
        await self.session.execute(text(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}"))
        await self.session.execute(text("LOCK TABLE contact_record IN SHARE UPDATE EXCLUSIVE MODE"))
        if await self.exists(month):
            return False
        await self.session.execute(
            text("SELECT metrics_ensure_contact_partition(:month)"), {"month": month}
        )
        return True

    async def partitions(self) -> list[str]:
        """The partitions of contact_record, by name."""
        rows = await self.session.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'contact_record'::regclass ORDER BY c.relname"
            )
        )
        return list(rows)

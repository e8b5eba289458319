"""Pre-creating contact_record's monthly partitions, so no ingesting batch has to.

Ingestion creates a missing month's partition on demand, which locks ``contact_record`` until
that batch commits. ``PartitionJob`` runs in the app's lifespan: at startup and then every
``METRICS_PARTITION_CHECK_INTERVAL_SECONDS`` it makes sure the partitions of the current UTC
month and the next ``METRICS_PARTITIONS_AHEAD_MONTHS`` exist, each in its own short transaction.
A failure is logged and retried on the next tick; it never stops the app. Several replicas may
run it at once: creation is serialized in the database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from metrics.partitions.repository import PartitionRepository, partition_name

log = structlog.get_logger("metrics.partitions")


def months_ahead(now: datetime, ahead: int) -> list[datetime]:
    """The first instants of the UTC month of ``now`` and of the ``ahead`` months after it."""
    now = now.astimezone(UTC)
    months = []
    year, month = now.year, now.month
    for _ in range(ahead + 1):
        months.append(datetime(year, month, 1, tzinfo=UTC))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def utc_now() -> datetime:
    return datetime.now(UTC)


class PartitionJob:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ahead_months: int,
        interval_seconds: float,
        lock_timeout_ms: int = 5000,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.sessions = sessions
        self.ahead_months = ahead_months
        self.interval_seconds = interval_seconds
        self.lock_timeout_ms = lock_timeout_ms
        self.clock = clock
        self.passes = 0  # checks completed, failed or not
        self.failures = 0
        self._task: asyncio.Task[None] | None = None

    async def ensure(self) -> list[str]:
        """Create the missing partitions of this month and the next ones; answers the names
        created. Each month in its own transaction; existing months take no lock at all."""
        created = []
        for month in months_ahead(self.clock(), self.ahead_months):
            async with self.sessions() as session, session.begin():
                repository = PartitionRepository(session)
                if await repository.exists(month):
                    continue
                if await repository.create(month, lock_timeout_ms=self.lock_timeout_ms):
                    created.append(partition_name(month))
                    log.info("partitions.created", partition=partition_name(month))
        return created

    async def tick(self) -> list[str]:
        """One check; a failure is logged (and retried on the next tick), never raised."""
        try:
            created = await self.ensure()
        except Exception:  # a database hiccup must not stop the job (or the app) for good
            self.failures += 1
            created = []
            log.exception("partitions.check_failed")
        self.passes += 1
        return created

    async def run(self) -> None:
        """Check every ``interval_seconds`` until cancelled."""
        while True:
            await asyncio.sleep(self.interval_seconds)
            await self.tick()

    async def start(self, *, startup_timeout: float = 30.0) -> None:
        """Run the first check (bounded, so a slow database never holds startup up for long),
        then keep checking in a background task."""
        try:
            await asyncio.wait_for(self.tick(), startup_timeout)
        except TimeoutError:
            self.failures += 1
            log.warning("partitions.startup_check_timed_out", seconds=startup_timeout)
        self._task = asyncio.create_task(self.run(), name="metrics-partitions")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

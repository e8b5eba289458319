"""The job pre-creating contact_record's monthly partitions, against the test database.

The job commits its own transactions (as it does in production), so these tests use months far
in the future and drop the partitions they made."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from metrics.main import create_app
from metrics.partitions.repository import PartitionRepository
from metrics.partitions.service import PartitionJob, months_ahead
from metrics.settings import MetricsSettings
from shared.db import Database
from tests.conftest import running_app

FAR = datetime(2031, 11, 20, 15, 30, tzinfo=UTC)
FAR_NAMES = ["contact_record_2031_11", "contact_record_2031_12", "contact_record_2032_01"]


class TestMonthsAhead:
    def test_current_and_next_months_across_a_year_end(self) -> None:
        assert months_ahead(FAR, 2) == [
            datetime(2031, 11, 1, tzinfo=UTC),
            datetime(2031, 12, 1, tzinfo=UTC),
            datetime(2032, 1, 1, tzinfo=UTC),
        ]

    def test_utc_month_of_a_local_instant(self) -> None:
        local = datetime(2031, 11, 30, 22, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
        assert months_ahead(local, 0) == [datetime(2031, 12, 1, tzinfo=UTC)]


@pytest.fixture
async def sessions(metrics_app: FastAPI) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The app's real sessions (committing); the far-future partitions are dropped after."""
    maker: async_sessionmaker[AsyncSession] = metrics_app.state.database.sessionmaker
    yield maker
    async with maker() as session, session.begin():
        for name in FAR_NAMES:
            await session.execute(text(f"DROP TABLE IF EXISTS {name}"))


async def partitions(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session, session.begin():
        return await PartitionRepository(session).partitions()


def job(sessions: async_sessionmaker[AsyncSession], **options: object) -> PartitionJob:
    settings: dict = {"ahead_months": 2, "interval_seconds": 3600, "clock": lambda: FAR}
    return PartitionJob(sessions, **{**settings, **options})  # type: ignore[arg-type]


class TestEnsure:
    async def test_creates_this_month_and_the_next_ones(
        self, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        assert not set(FAR_NAMES) & set(await partitions(sessions))
        assert await job(sessions).ensure() == FAR_NAMES
        assert set(FAR_NAMES) <= set(await partitions(sessions))
        async with sessions() as session, session.begin():
            bounds = await session.scalar(
                text(
                    "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c "
                    "WHERE c.relname = 'contact_record_2031_12'"
                )
            )
        assert bounds == (
            "FOR VALUES FROM ('2031-12-01 00:00:00+00') TO ('2032-01-01 00:00:00+00')"
        )

    async def test_is_idempotent(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        await job(sessions).ensure()
        before = await partitions(sessions)
        assert await job(sessions).ensure() == []
        assert await partitions(sessions) == before

    async def test_replicas_at_once_create_each_month_once(
        self, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        created = await asyncio.gather(*(job(sessions).ensure() for _ in range(3)))
        assert sorted(name for names in created for name in names) == FAR_NAMES
        assert set(FAR_NAMES) <= set(await partitions(sessions))

    async def test_ingestion_holding_the_lock_delays_the_month_to_the_next_tick(
        self, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        slow = job(sessions, lock_timeout_ms=100)
        async with sessions() as holder, holder.begin():
            # As a batch creating a partition does until it commits.
            await holder.execute(text("LOCK TABLE contact_record IN SHARE UPDATE EXCLUSIVE MODE"))
            assert await slow.tick() == []
        assert (slow.passes, slow.failures) == (1, 1)
        assert await slow.tick() == FAR_NAMES
        assert (slow.passes, slow.failures) == (2, 1)


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait (polling the job's counters) until ``condition`` holds."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (the job exposes counters, not events)
            await asyncio.sleep(0.01)


class TestLoop:
    async def test_an_unreachable_database_is_logged_and_retried(self) -> None:
        database = Database("postgresql+asyncpg://nobody:x@127.0.0.1:9/none")
        try:
            broken = job(database.sessionmaker, interval_seconds=0.01)
            await broken.start(startup_timeout=10)
            assert broken.running
            await until(lambda: broken.passes >= 4)
            assert broken.running and broken.failures == broken.passes
            await broken.stop()
            assert not broken.running
        finally:
            await database.dispose()


class TestLifespan:
    async def test_the_app_starts_and_stops_the_job(self, database_urls: dict[str, str]) -> None:
        settings = MetricsSettings(
            database_url=database_urls["metrics"],
            partition_check_interval_seconds=0.01,
            partitions_ahead_months=1,
        )
        app = create_app(settings)
        async with running_app(app):
            partition_job: PartitionJob = app.state.partitions
            assert partition_job.running and partition_job.passes >= 1  # at startup
            await until(lambda: partition_job.passes >= 3)
            assert partition_job.failures == 0
            names = await partitions(app.state.database.sessionmaker)
            for month in months_ahead(datetime.now(UTC), 1):
                assert f"contact_record_{month:%Y_%m}" in names
        assert not partition_job.running

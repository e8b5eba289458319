"""Alembic helpers shared by every service: run migrations (async env), check we are at head."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def alembic_config(service_dir: Path, url: str | None = None) -> Config:
    """The Alembic config of the service whose ``alembic.ini`` lives in ``service_dir``."""
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    if url:
        config.attributes["database_url"] = url
    return config


def upgrade(service_dir: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service_dir, url), revision)


def head_revisions(service_dir: Path) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(service_dir)).get_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: set(MigrationContext.configure(sync).get_current_heads())
        )


def run_env(
    config: Config,
    target_metadata: MetaData,
    url_from_settings: str,
    *,
    unmanaged_tables: re.Pattern[str] | None = None,
) -> None:
    """Body of each service's ``migrations/env.py``: online, async, one transaction.

    ``unmanaged_tables`` names tables the application creates at run time (monthly
    partitions): autogenerate and ``alembic check`` leave them alone."""
    url = config.attributes.get("database_url") or url_from_settings
    connection: Connection | None = config.attributes.get("connection")

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if unmanaged_tables is None:
            return True
        table = name if type_ == "table" else parent_names.get("table_name")
        return not (table and unmanaged_tables.fullmatch(table))

    def do_run(sync_connection: Connection) -> None:
        from alembic import context

        context.configure(
            connection=sync_connection,
            target_metadata=target_metadata,
            compare_type=True,
            compare_server_default=True,
            transaction_per_migration=False,
            include_name=include_name,
        )
        with context.begin_transaction():
            # One migrator at a time per database: replicas starting together wait here.
            sync_connection.execute(text("select pg_advisory_xact_lock(7274626174)"))
            context.run_migrations()

    if connection is not None:  # a caller (alembic check in tests) lent us its connection
        do_run(connection)
        return

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
            await conn.commit()
        await engine.dispose()

    asyncio.run(run_async())

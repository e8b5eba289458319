"""The Alembic history matches the models, and every migration can be undone."""

from alembic import command

from contracts.main import SERVICE_DIR
from contrato.pg import database_url, ensure_databases
from shared.migrations import alembic_config, upgrade


def test_history_matches_models_and_downgrades(pg_server_url: str) -> None:
    ensure_databases(pg_server_url, ["test_contracts_migrations"], fresh=True)
    url = database_url(pg_server_url, "test_contracts_migrations")
    upgrade(SERVICE_DIR, url)
    command.check(alembic_config(SERVICE_DIR, url))  # raises on any drift
    command.downgrade(alembic_config(SERVICE_DIR, url), "base")
    upgrade(SERVICE_DIR, url)

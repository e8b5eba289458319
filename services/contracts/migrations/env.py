from alembic import context

import contracts.models  # noqa: F401  (registers every table on the metadata)
from contracts.base import Base
from contracts.settings import ContractsSettings
from shared.migrations import run_env


def database_url() -> str:
    if context.config.attributes.get("database_url") or context.config.attributes.get("connection"):
        return ""
    return ContractsSettings().sqlalchemy_url


run_env(context.config, Base.metadata, database_url())

from alembic import context

import gateway.models  # noqa: F401  (registers every table on the metadata)
from gateway.base import Base
from gateway.settings import GatewaySettings
from shared.migrations import run_env


def database_url() -> str:
    if context.config.attributes.get("database_url") or context.config.attributes.get("connection"):
        return ""
    return GatewaySettings().sqlalchemy_url


run_env(context.config, Base.metadata, database_url())

from alembic import context

import billing.models  # noqa: F401  (registers every table on the metadata)
from billing.base import Base
from billing.settings import BillingSettings
from shared.migrations import run_env


def database_url() -> str:
    if context.config.attributes.get("database_url") or context.config.attributes.get("connection"):
        return ""
    return BillingSettings().sqlalchemy_url


run_env(context.config, Base.metadata, database_url())

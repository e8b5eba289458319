import re

from alembic import context

import metrics.models  # noqa: F401  (registers every table on the metadata)
from metrics.base import Base
from metrics.settings import MetricsSettings
from shared.migrations import run_env


def database_url() -> str:
    if context.config.attributes.get("database_url") or context.config.attributes.get("connection"):
        return ""
    return MetricsSettings().sqlalchemy_url


# Monthly partitions of contact_record are created at run time, not by migrations.
PARTITIONS = re.compile(r"contact_record_\d{4}_\d{2}")

run_env(context.config, Base.metadata, database_url(), unmanaged_tables=PARTITIONS)

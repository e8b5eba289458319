"""index on the queues a version claims

Revision ID: bcbb2d4cf6a0
Revises: b6f95242cc99
Create Date: 2026-11-29 03:42:29.065027+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bcbb2d4cf6a0"
down_revision: str | None = "b6f95242cc99"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contract_version_scope_queues",
        "contract_version",
        [sa.literal_column("((elements -> 'scope'::text) -> 'queues'::text)")],
        unique=False,
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_contract_version_scope_queues", table_name="contract_version", postgresql_using="gin"
    )

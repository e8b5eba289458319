"""organization postal address and remittance details

Revision ID: 5d1e8a7c3b92
Revises: f58cd9fce64a
Create Date: 2026-12-03 13:15:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5d1e8a7c3b92"
down_revision: str | None = "f58cd9fce64a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "organization",
        sa.Column("postal_address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        "organization",
        sa.Column("remittance", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("organization", "remittance")
    op.drop_column("organization", "postal_address")

"""invoice tax name and credit terms

Revision ID: 9e4b6d2a1f53
Revises: e4b8c2a7f913
Create Date: 2026-12-03 13:25:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "9e4b6d2a1f53"
down_revision: str | None = "e4b8c2a7f913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("invoice", sa.Column("tax_name", sa.String(length=200), nullable=True))
    op.add_column(
        "invoice",
        sa.Column("credit_terms", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("invoice", "credit_terms")
    op.drop_column("invoice", "tax_name")

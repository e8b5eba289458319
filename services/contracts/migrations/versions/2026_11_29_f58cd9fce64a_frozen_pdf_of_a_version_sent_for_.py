"""frozen pdf of a version sent for signature

Revision ID: f58cd9fce64a
Revises: bcbb2d4cf6a0
Create Date: 2026-11-29 03:45:03.700182+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f58cd9fce64a"
down_revision: str | None = "bcbb2d4cf6a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contract_version", sa.Column("document_pdf", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("contract_version", "document_pdf")

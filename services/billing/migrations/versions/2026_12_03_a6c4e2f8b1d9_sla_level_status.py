"""sla level status

The last status announced for each service level of a contract in a period, so that an SLA
alert (sla.at_risk, sla.lost, sla.recovered) is sent once per change of status.

Revision ID: a6c4e2f8b1d9
Revises: 9e4b6d2a1f53
Create Date: 2026-12-03 14:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a6c4e2f8b1d9"
down_revision: str | None = "9e4b6d2a1f53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_level_status",
        sa.Column("contract_id", postgresql.UUID(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("level_key", sa.String(length=64), nullable=False),
        sa.Column("client_id", postgresql.UUID(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "contract_id", "period", "level_key", name=op.f("pk_sla_level_status")
        ),
    )


def downgrade() -> None:
    op.drop_table("sla_level_status")

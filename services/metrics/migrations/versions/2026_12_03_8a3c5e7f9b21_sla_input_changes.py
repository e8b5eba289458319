"""sla input changes

An append-only log of the contracts whose contact records, agent activity or QA evaluations
were written, which billing's SLA alerts poll to project a contract again soon after its
records arrive.

Revision ID: 8a3c5e7f9b21
Revises: 7d2f5b8e1a36
Create Date: 2026-12-03 16:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8a3c5e7f9b21"
down_revision: str | None = "7d2f5b8e1a36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_input_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("contract_id", sa.UUID(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_input_change")),
    )
    op.create_index(
        "ix_sla_input_change_changed_at", "sla_input_change", ["changed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sla_input_change_changed_at", table_name="sla_input_change")
    op.drop_table("sla_input_change")

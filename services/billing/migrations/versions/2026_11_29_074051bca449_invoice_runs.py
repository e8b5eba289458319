"""invoice runs and their per-contract items (claimed in the database)

Revision ID: 074051bca449
Revises: 2ce768ec3964
Create Date: 2026-11-29 03:35:10+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "074051bca449"
down_revision: str | None = "2ce768ec3964"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_run",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("enumerated", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_run")),
    )
    op.create_index(
        "uq_invoice_run_period_unfinished",
        "invoice_run",
        ["period"],
        unique=True,
        postgresql_where=sa.text("status <> 'completed'"),
    )
    op.create_table(
        "invoice_run_item",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("contract_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("invoice_id", sa.UUID(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["invoice_run.id"], name=op.f("fk_invoice_run_item_run_id_invoice_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "contract_id", name=op.f("pk_invoice_run_item")),
    )
    op.create_index(
        "ix_invoice_run_item_run_id_status", "invoice_run_item", ["run_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_invoice_run_item_run_id_status", table_name="invoice_run_item")
    op.drop_table("invoice_run_item")
    op.drop_index(
        "uq_invoice_run_period_unfinished",
        table_name="invoice_run",
        postgresql_where=sa.text("status <> 'completed'"),
    )
    op.drop_table("invoice_run")

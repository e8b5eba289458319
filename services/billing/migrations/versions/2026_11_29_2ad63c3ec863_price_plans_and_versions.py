"""price plans attached to contracts and their immutable versions

Revision ID: 2ad63c3ec863
Revises: abca618542e2
Create Date: 2026-11-29 03:35:10+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "2ad63c3ec863"
down_revision: str | None = "abca618542e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "price_plan",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("contract_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_plan")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_price_plan_contract_id")),
    )
    op.create_index(op.f("ix_price_plan_client_id"), "price_plan", ["client_id"], unique=False)
    op.create_table(
        "price_plan_version",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("price_plan_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("terms", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("tax_rate_id", sa.UUID(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["price_plan_id"],
            ["price_plan.id"],
            name=op.f("fk_price_plan_version_price_plan_id_price_plan"),
        ),
        sa.ForeignKeyConstraint(
            ["tax_rate_id"],
            ["tax_rate.id"],
            name=op.f("fk_price_plan_version_tax_rate_id_tax_rate"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_plan_version")),
        sa.UniqueConstraint(
            "price_plan_id",
            "effective_from",
            name=op.f("uq_price_plan_version_price_plan_id_effective_from"),
        ),
        sa.UniqueConstraint(
            "price_plan_id", "version", name=op.f("uq_price_plan_version_price_plan_id_version")
        ),
    )


def downgrade() -> None:
    op.drop_table("price_plan_version")
    op.drop_index(op.f("ix_price_plan_client_id"), table_name="price_plan")
    op.drop_table("price_plan")

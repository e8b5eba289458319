"""quality evaluations

QA evaluations (a score 0..100 of one contact, or of one agent's day), the source of the
quality_score metric.

Revision ID: 7d2f5b8e1a36
Revises: 5d2f8a6c1e47
Create Date: 2026-12-03 13:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2f5b8e1a36"
down_revision: str | None = "5d2f8a6c1e47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_evaluation",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("source_id", sa.UUID(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("contract_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=True),
        sa.Column("contact_source_id", sa.UUID(), nullable=True),
        sa.Column("contact_external_id", sa.String(length=200), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("queue", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=30), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("form", sa.String(length=200), nullable=True),
        sa.Column("evaluator", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "ingested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_evaluation")),
        sa.UniqueConstraint(
            "source_id", "external_id", name=op.f("uq_quality_evaluation_source_id_external_id")
        ),
    )
    op.create_index(
        "ix_quality_evaluation_contract_id_evaluated_at",
        "quality_evaluation",
        ["contract_id", "evaluated_at"],
        unique=False,
    )
    op.create_index(
        "ix_quality_evaluation_contact_source_id_contact_external_id",
        "quality_evaluation",
        ["contact_source_id", "contact_external_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_quality_evaluation_contact_source_id_contact_external_id",
        table_name="quality_evaluation",
    )
    op.drop_index("ix_quality_evaluation_contract_id_evaluated_at", table_name="quality_evaluation")
    op.drop_table("quality_evaluation")

"""invoice run items: claim index in contract order

Revision ID: 8f3a1c2d4e5b
Revises: 6e152f2170c9
Create Date: 2026-11-29 07:05:00+00:00

A claim takes the first pending item of a run in contract order; with (run_id, status) alone
PostgreSQL sorted every matching item of the run for each claim.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8f3a1c2d4e5b"
down_revision: str | None = "6e152f2170c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_invoice_run_item_run_id_status", table_name="invoice_run_item")
    op.create_index(
        "ix_invoice_run_item_run_id_status_contract_id",
        "invoice_run_item",
        ["run_id", "status", "contract_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_invoice_run_item_run_id_status_contract_id", table_name="invoice_run_item")
    op.create_index("ix_invoice_run_item_run_id_status", "invoice_run_item", ["run_id", "status"])

"""issued documents: the PDF of an invoice and of a credit note as issued

Revision ID: c3a9f1e2d7b4
Revises: b7d2e9c41a06
Create Date: 2026-12-03 09:00:00+00:00

What a client files is the document as issued: rendered once, at issue, and served from then
on, whatever happens to the invoice later (payments, credit notes).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3a9f1e2d7b4"
down_revision: str | None = "b7d2e9c41a06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("invoice", sa.Column("issued_pdf", sa.LargeBinary(), nullable=True))
    op.add_column("credit_note", sa.Column("issued_pdf", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("credit_note", "issued_pdf")
    op.drop_column("invoice", "issued_pdf")

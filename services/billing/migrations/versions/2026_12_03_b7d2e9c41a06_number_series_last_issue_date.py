"""number series: the latest issue date given in each series

Revision ID: b7d2e9c41a06
Revises: 8f3a1c2d4e5b
Create Date: 2026-12-03 08:45:00+00:00

Numbers of a series (operator, INV or CN, year) must follow issue dates: a document may not be
dated before the last one of its series. Filled from the documents already issued.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d2e9c41a06"
down_revision: str | None = "8f3a1c2d4e5b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("number_counter", sa.Column("last_issue_date", sa.Date(), nullable=True))
    op.execute(
        """
        UPDATE number_counter c SET last_issue_date = latest.issue_date
        FROM (
            SELECT operator_id, 'INV' AS kind, EXTRACT(YEAR FROM issue_date)::int AS year,
                   max(issue_date) AS issue_date
            FROM invoice WHERE issue_date IS NOT NULL GROUP BY 1, 2, 3
            UNION ALL
            SELECT operator_id, 'CN', EXTRACT(YEAR FROM issue_date)::int, max(issue_date)
            FROM credit_note GROUP BY 1, 2, 3
        ) latest
        WHERE c.operator_id = latest.operator_id AND c.kind = latest.kind AND c.year = latest.year
        """
    )


def downgrade() -> None:
    op.drop_column("number_counter", "last_issue_date")

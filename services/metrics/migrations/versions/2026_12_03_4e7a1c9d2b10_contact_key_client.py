"""contact key client

A record's key (source, external id) remembers the client the record belongs to, so that a
newer version can never move the record to another client (an operator-wide source carries
many clients' records). Existing keys take their record's client; erased keys (tombstones,
no record) and records stored without a client keep none.

Revision ID: 4e7a1c9d2b10
Revises: 9c41e07ad2b5
Create Date: 2026-12-03 08:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "4e7a1c9d2b10"
down_revision: str | None = "9c41e07ad2b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contact_key", sa.Column("client_id", postgresql.UUID(), nullable=True))
    op.execute(
        """
        UPDATE contact_key k SET client_id = r.client_id
        FROM contact_record r
        WHERE r.id = k.record_id AND r.enqueued_at = k.enqueued_at AND r.client_id IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_column("contact_key", "client_id")

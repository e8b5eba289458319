"""agent activity queue and channel

Spans of agent activity may name the queue (skill) and channel they were in, so occupancy can
be given per queue and channel. Both optional: existing spans stay unattributed.

Revision ID: 9c41e07ad2b5
Revises: 6b63b0105ea3
Create Date: 2026-11-29 06:05:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c41e07ad2b5"
down_revision: str | None = "6b63b0105ea3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("agent_activity", sa.Column("queue", sa.String(length=200), nullable=True))
    op.add_column("agent_activity", sa.Column("channel", sa.String(length=30), nullable=True))


def downgrade() -> None:
    op.drop_column("agent_activity", "channel")
    op.drop_column("agent_activity", "queue")

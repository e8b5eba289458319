"""drop webhook_delivery: the delivery state of the settings-configured webhook URLs

Revision ID: d5f1a8c3e702
Revises: a6c4e2f8b1d9
Create Date: 2026-12-03 16:00:00+00:00

Webhooks go to the endpoints registered through /v1/webhook-endpoints only (their attempts are
in webhook_attempt); the URLs once read from BILLING_WEBHOOK_URLS, and this table recording
what each had received, are gone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5f1a8c3e702"
down_revision: str | None = "a6c4e2f8b1d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("webhook_delivery")


def downgrade() -> None:
    op.create_table(
        "webhook_delivery",
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_event.id"],
            name=op.f("fk_webhook_delivery_event_id_outbox_event"),
        ),
        sa.PrimaryKeyConstraint("event_id", "url", name=op.f("pk_webhook_delivery")),
    )

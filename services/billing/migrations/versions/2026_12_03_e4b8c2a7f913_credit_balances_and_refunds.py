"""credit balances and refunds: the excess of a credit note over its invoice's balance due

Revision ID: e4b8c2a7f913
Revises: c3a9f1e2d7b4
Create Date: 2026-12-03 13:30:00+00:00

A credit note on a paid (or partly paid) invoice credits more than is still due: the excess goes
to the client's credit balance (a ledger per client and currency, applied to its next invoice at
issue) or to a refund due, and the invoice's balance stays at zero.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4b8c2a7f913"
down_revision: str | None = "c3a9f1e2d7b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNT = sa.Numeric(precision=20, scale=4)


def upgrade() -> None:
    op.add_column(
        "invoice", sa.Column("credit_applied", AMOUNT, nullable=False, server_default="0")
    )
    op.add_column("invoice", sa.Column("credit_excess", AMOUNT, nullable=False, server_default="0"))
    op.alter_column("invoice", "credit_applied", server_default=None)
    op.alter_column("invoice", "credit_excess", server_default=None)
    op.add_column("credit_note", sa.Column("excess", AMOUNT, nullable=False, server_default="0"))
    op.alter_column("credit_note", "excess", server_default=None)
    op.add_column("credit_note", sa.Column("excess_to", sa.String(length=20), nullable=True))
    op.create_table(
        "client_credit_entry",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "credit_note", "applied", name="credit_entry_kind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("balance_after", AMOUNT, nullable=False),
        sa.Column("credit_note_id", sa.UUID(), nullable=False),
        sa.Column("credit_note_number", sa.String(length=32), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("invoice_number", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'credit_note' AND amount > 0) OR (kind = 'applied' AND amount < 0)",
            name=op.f("ck_client_credit_entry_sign_follows_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["credit_note.id"],
            name=op.f("fk_client_credit_entry_credit_note_id_credit_note"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_client_credit_entry_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_credit_entry")),
    )
    op.create_index(
        "ix_client_credit_entry_client_id_currency_id",
        "client_credit_entry",
        ["client_id", "currency", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_client_credit_entry_credit_note_id"),
        "client_credit_entry",
        ["credit_note_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_client_credit_entry_invoice_id"),
        "client_credit_entry",
        ["invoice_id"],
        unique=False,
    )
    op.create_table(
        "refund",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("credit_note_id", sa.UUID(), nullable=False),
        sa.Column("credit_note_number", sa.String(length=32), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("due", "refunded", name="refund_status", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("refunded_on", sa.Date(), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_by", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refund_amount_positive")),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["credit_note.id"],
            name=op.f("fk_refund_credit_note_id_credit_note"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_refund_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("credit_note_id", name=op.f("uq_refund_credit_note_id")),
    )
    op.create_index("ix_refund_client_id_id", "refund", ["client_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_refund_client_id_id", table_name="refund")
    op.drop_table("refund")
    op.drop_index(op.f("ix_client_credit_entry_invoice_id"), table_name="client_credit_entry")
    op.drop_index(op.f("ix_client_credit_entry_credit_note_id"), table_name="client_credit_entry")
    op.drop_index("ix_client_credit_entry_client_id_currency_id", table_name="client_credit_entry")
    op.drop_table("client_credit_entry")
    op.drop_column("credit_note", "excess_to")
    op.drop_column("credit_note", "excess")
    op.drop_column("invoice", "credit_excess")
    op.drop_column("invoice", "credit_applied")

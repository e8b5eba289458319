"""invoices (one non-void per contract and period), their lines (immutable once
issued, by trigger) and the gapless number counters

Revision ID: 016c7cae9e59
Revises: 2ad63c3ec863
Create Date: 2026-11-29 03:35:10+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "016c7cae9e59"
down_revision: str | None = "2ad63c3ec863"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "number_counter",
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("operator_id", "kind", "year", name=op.f("pk_number_counter")),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("contract_id", sa.UUID(), nullable=False),
        sa.Column("contract_number", sa.String(length=60), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("service_from", sa.Date(), nullable=False),
        sa.Column("service_to", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "issued",
                "paid",
                "void",
                name="invoice_status",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price_plan_id", sa.UUID(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("sla_report_id", sa.String(length=64), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("subtotal", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("tax_rate_percent", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("tax", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("total", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("credit_base", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("at_risk", sa.Numeric(precision=30, scale=10), nullable=False),
        sa.Column("amount_paid", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("amount_credited", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("seller", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("buyer", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("service_levels", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'draft' AND number IS NULL) OR (status IN ('issued', 'paid') AND number IS NOT NULL) OR status = 'void'",
            name=op.f("ck_invoice_number_only_when_issued"),
        ),
        sa.ForeignKeyConstraint(
            ["price_plan_id"], ["price_plan.id"], name=op.f("fk_invoice_price_plan_id_price_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("operator_id", "number", name=op.f("uq_invoice_operator_id_number")),
    )
    op.create_index("ix_invoice_client_id_period", "invoice", ["client_id", "period"], unique=False)
    op.create_index(
        "uq_invoice_contract_id_period_not_void",
        "invoice",
        ["contract_id", "period"],
        unique=True,
        postgresql_where=sa.text("status <> 'void'"),
    )
    op.create_table(
        "invoice_line",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("charge_key", sa.String(length=60), nullable=True),
        sa.Column("charge_model", sa.String(length=20), nullable=True),
        sa.Column("plan_version", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=30, scale=10), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=30, scale=10), nullable=True),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("source", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("sla_key", sa.String(length=60), nullable=True),
        sa.Column("sla_target", sa.String(length=40), nullable=True),
        sa.Column("sla_measured", sa.String(length=40), nullable=True),
        sa.Column("report_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
            name=op.f("fk_invoice_line_invoice_id_invoice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_line")),
        sa.UniqueConstraint("invoice_id", "key", name=op.f("uq_invoice_line_invoice_id_key")),
    )
    op.create_index(
        op.f("ix_invoice_line_invoice_id"), "invoice_line", ["invoice_id"], unique=False
    )

    # An issued invoice never changes: its lines can only be written while it is a draft.
    op.execute(
        """
        CREATE FUNCTION invoice_line_only_on_drafts() RETURNS trigger AS $$
        DECLARE parent_status text;
        BEGIN
            SELECT status INTO parent_status FROM invoice
             WHERE id = COALESCE(NEW.invoice_id, OLD.invoice_id);
            IF parent_status IS DISTINCT FROM 'draft' THEN
                RAISE EXCEPTION 'invoice % is %, its lines are immutable',
                    COALESCE(NEW.invoice_id, OLD.invoice_id), parent_status
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN COALESCE(NEW, OLD);
        END $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        """
        CREATE TRIGGER invoice_line_only_on_drafts
            BEFORE INSERT OR UPDATE OR DELETE ON invoice_line
            FOR EACH ROW EXECUTE FUNCTION invoice_line_only_on_drafts()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER invoice_line_only_on_drafts ON invoice_line")
    op.execute("DROP FUNCTION invoice_line_only_on_drafts()")
    op.drop_index(op.f("ix_invoice_line_invoice_id"), table_name="invoice_line")
    op.drop_table("invoice_line")
    op.drop_index(
        "uq_invoice_contract_id_period_not_void",
        table_name="invoice",
        postgresql_where=sa.text("status <> 'void'"),
    )
    op.drop_index("ix_invoice_client_id_period", table_name="invoice")
    op.drop_table("invoice")
    op.drop_table("number_counter")

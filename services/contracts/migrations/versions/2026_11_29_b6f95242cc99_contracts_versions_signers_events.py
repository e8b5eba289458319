"""contracts versions signers events

Revision ID: b6f95242cc99
Revises: ea3f6358bc94
Create Date: 2026-11-29 03:18:46.213436+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b6f95242cc99"
down_revision: str | None = "ea3f6358bc94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contract_number_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_contract_number_counter")),
    )
    op.create_table(
        "contract",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("supersedes_id", sa.UUID(), nullable=True),
        sa.Column(
            "type",
            sa.Enum("MSA", "SOW", "SLA", "NDA", name="contract_type", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "draft",
                "in_review",
                "approved",
                "out_for_signature",
                "signed",
                "cancelled",
                name="contract_stage",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "active",
                "expiring",
                "terminating",
                "expired",
                "terminated",
                "superseded",
                name="contract_status",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("status_on", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("notice_deadline", sa.Date(), nullable=True),
        sa.Column("final_end", sa.Date(), nullable=True),
        sa.Column("renewals_done", sa.Integer(), nullable=False),
        sa.Column("superseded_on", sa.Date(), nullable=True),
        sa.Column("termination_kind", sa.String(length=20), nullable=True),
        sa.Column("termination_reason", sa.Text(), nullable=True),
        sa.Column("termination_notice_date", sa.Date(), nullable=True),
        sa.Column("termination_effective_date", sa.Date(), nullable=True),
        sa.Column("termination_fee", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("termination_requested_by", sa.String(length=200), nullable=True),
        sa.Column("termination_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["organization.id"], name=op.f("fk_contract_client_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["contract.id"], name=op.f("fk_contract_parent_id_contract")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["contract.id"], name=op.f("fk_contract_supersedes_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract")),
        sa.UniqueConstraint("number", name=op.f("uq_contract_number")),
    )
    op.create_index(op.f("ix_contract_client_id"), "contract", ["client_id"], unique=False)
    op.create_index(op.f("ix_contract_operator_id"), "contract", ["operator_id"], unique=False)
    op.create_index(op.f("ix_contract_parent_id"), "contract", ["parent_id"], unique=False)
    op.create_index(op.f("ix_contract_stage"), "contract", ["stage"], unique=False)
    op.create_index(
        "ix_contract_start_date_final_end", "contract", ["start_date", "final_end"], unique=False
    )
    op.create_index(op.f("ix_contract_status"), "contract", ["status"], unique=False)
    op.create_table(
        "contract_event",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("contract_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_contract_event_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_event")),
    )
    op.create_index(
        op.f("ix_contract_event_client_id"), "contract_event", ["client_id"], unique=False
    )
    op.create_index(
        op.f("ix_contract_event_contract_id"), "contract_event", ["contract_id"], unique=False
    )
    op.create_index(op.f("ix_contract_event_type"), "contract_event", ["type"], unique=False)
    op.create_table(
        "contract_signer",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("contract_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column(
            "party",
            sa.Enum("operator", "client", name="signer_party", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_contract_signer_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_signer")),
        sa.UniqueConstraint(
            "contract_id",
            "version",
            "email",
            name=op.f("uq_contract_signer_contract_id_version_email"),
        ),
    )
    op.create_index(
        op.f("ix_contract_signer_contract_id"), "contract_signer", ["contract_id"], unique=False
    )
    op.create_table(
        "contract_version",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("contract_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "draft",
                "in_review",
                "approved",
                "out_for_signature",
                "signed",
                "cancelled",
                name="contract_version_stage",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("change_summary", sa.Text(), nullable=True),
        sa.Column("elements", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("document_html", sa.Text(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_contract_version_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_version")),
        sa.UniqueConstraint(
            "contract_id", "version", name=op.f("uq_contract_version_contract_id_version")
        ),
    )
    op.create_index(
        op.f("ix_contract_version_contract_id"), "contract_version", ["contract_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_contract_version_contract_id"), table_name="contract_version")
    op.drop_table("contract_version")
    op.drop_index(op.f("ix_contract_signer_contract_id"), table_name="contract_signer")
    op.drop_table("contract_signer")
    op.drop_index(op.f("ix_contract_event_type"), table_name="contract_event")
    op.drop_index(op.f("ix_contract_event_contract_id"), table_name="contract_event")
    op.drop_index(op.f("ix_contract_event_client_id"), table_name="contract_event")
    op.drop_table("contract_event")
    op.drop_index(op.f("ix_contract_status"), table_name="contract")
    op.drop_index("ix_contract_start_date_final_end", table_name="contract")
    op.drop_index(op.f("ix_contract_stage"), table_name="contract")
    op.drop_index(op.f("ix_contract_parent_id"), table_name="contract")
    op.drop_index(op.f("ix_contract_operator_id"), table_name="contract")
    op.drop_index(op.f("ix_contract_client_id"), table_name="contract")
    op.drop_table("contract")
    op.drop_table("contract_number_counter")

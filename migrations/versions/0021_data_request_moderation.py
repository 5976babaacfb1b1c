"""data request moderation: hidden requests, reports, and the per-user daily limit's index

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 04:00:00.000000

A sysadmin hides a spam or abusive data request (data_request.hidden); readers report one
(data_request_report: one row per user and request, for the sysadmins' moderation queue). The
daily creation limit counts one user's recent requests, hence (user_id, created).
"""

from alembic import op
import sqlalchemy as sa


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        # Existing requests stay visible.
        batch_op.add_column(
            sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_data_request_user_id_created", ["user_id", "created"])
    op.create_table(
        "data_request_report",
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("resolved", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["data_request.id"],
                                name=op.f("fk_data_request_report_request_id_data_request"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_data_request_report_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("request_id", "user_id", name=op.f("pk_data_request_report")),
    )
    op.create_index("ix_data_request_report_user_id", "data_request_report", ["user_id"])
    op.create_index("ix_data_request_report_resolved_created", "data_request_report",
                    ["resolved", "created"])


def downgrade() -> None:
    op.drop_index("ix_data_request_report_resolved_created", table_name="data_request_report")
    op.drop_index("ix_data_request_report_user_id", table_name="data_request_report")
    op.drop_table("data_request_report")
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.drop_index("ix_data_request_user_id_created")
        batch_op.drop_column("hidden")

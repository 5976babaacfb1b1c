"""data requests and their supporters

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 00:50:00.000000

A data request asks a department for data not yet published; supporters are one row per user
(the primary key), so a support counts once however often it is sent.
"""

from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_request",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("organization_id", sa.String(36), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("dataset_id", sa.String(36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("answered", sa.DateTime(), nullable=True),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_data_request_user_id_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_data_request_organization_id_organization"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"],
                                name=op.f("fk_data_request_dataset_id_dataset"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request")),
    )
    op.create_index("ix_data_request_organization_id", "data_request", ["organization_id"])
    op.create_index("ix_data_request_created", "data_request", ["created"])
    op.create_index("ix_data_request_state_created", "data_request", ["state", "created"])
    op.create_table(
        "data_request_support",
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["data_request.id"],
                                name=op.f("fk_data_request_support_request_id_data_request"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_data_request_support_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("request_id", "user_id", name=op.f("pk_data_request_support")),
    )
    op.create_index("ix_data_request_support_user_id", "data_request_support", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_data_request_support_user_id", table_name="data_request_support")
    op.drop_table("data_request_support")
    op.drop_index("ix_data_request_state_created", table_name="data_request")
    op.drop_index("ix_data_request_created", table_name="data_request")
    op.drop_index("ix_data_request_organization_id", table_name="data_request")
    op.drop_table("data_request")

"""conditional opening: access requests and grants

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 03:30:00.000000

Applications for the data of conditionally open datasets (access_request) and the grants
their approval makes (access_grant), looked up by (user, dataset) on every guarded read.
"""

from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_request",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("dataset_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("organization", sa.String(200), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("commitment", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reviewer_id", sa.String(36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("decided", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"],
                                name=op.f("fk_access_request_dataset_id_dataset"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_access_request_user_id_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user.id"],
                                name=op.f("fk_access_request_reviewer_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_request")),
    )
    op.create_index("ix_access_request_dataset_state", "access_request", ["dataset_id", "state"])
    op.create_index(op.f("ix_access_request_user_id"), "access_request", ["user_id"])
    op.create_index(op.f("ix_access_request_created"), "access_request", ["created"])
    op.create_table(
        "access_grant",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("dataset_id", sa.String(36), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(36), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["access_request.id"],
                                name=op.f("fk_access_grant_request_id_access_request"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_access_grant_user_id_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"],
                                name=op.f("fk_access_grant_dataset_id_dataset"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["revoked_by"], ["user.id"],
                                name=op.f("fk_access_grant_revoked_by_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grant")),
        sa.UniqueConstraint("request_id", name=op.f("uq_access_grant_request_id")),
    )
    op.create_index("ix_access_grant_user_dataset", "access_grant", ["user_id", "dataset_id"])
    op.create_index(op.f("ix_access_grant_dataset_id"), "access_grant", ["dataset_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_access_grant_dataset_id"), table_name="access_grant")
    op.drop_index("ix_access_grant_user_dataset", table_name="access_grant")
    op.drop_table("access_grant")
    op.drop_index(op.f("ix_access_request_created"), table_name="access_request")
    op.drop_index(op.f("ix_access_request_user_id"), table_name="access_request")
    op.drop_index("ix_access_request_dataset_state", table_name="access_request")
    op.drop_table("access_request")

"""resource views and dataset collaborators

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 01:05:00.000000

CKAN's resource_view (how a resource is shown: table, chart, image, web page) and package_member
(a user who reads or edits one dataset whatever their role in its department).
"""

from alembic import op
import sqlalchemy as sa


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resource_view",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("resource_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("view_type", sa.String(100), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"],
                                name=op.f("fk_resource_view_resource_id_resource"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_view")),
    )
    op.create_index(op.f("ix_resource_view_resource_id"), "resource_view", ["resource_id"])
    op.create_table(
        "package_member",
        sa.Column("package_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("capacity", sa.String(20), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["package_id"], ["dataset.id"],
                                name=op.f("fk_package_member_package_id_dataset"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_package_member_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("package_id", "user_id", name=op.f("pk_package_member")),
    )
    op.create_index(op.f("ix_package_member_user_id"), "package_member", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_package_member_user_id"), table_name="package_member")
    op.drop_table("package_member")
    op.drop_index(op.f("ix_resource_view_resource_id"), table_name="resource_view")
    op.drop_table("resource_view")

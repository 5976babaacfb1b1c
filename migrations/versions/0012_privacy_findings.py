"""privacy findings

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 01:10:00.000000

A finding holds a resource's file back from the public while the scan found personal
information in it, until a clean file replaces it or a department admin overrides it.
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_finding",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("resource_id", sa.String(36), nullable=False),
        sa.Column("package_id", sa.String(36), nullable=False),
        sa.Column("storage_key", sa.String(1000), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("overridden_by", sa.String(36), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("resolved", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"],
                                name=op.f("fk_privacy_finding_resource_id_resource"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["package_id"], ["dataset.id"],
                                name=op.f("fk_privacy_finding_package_id_dataset"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["overridden_by"], ["user.id"],
                                name=op.f("fk_privacy_finding_overridden_by_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_finding")),
    )
    op.create_index("ix_privacy_finding_resource_state", "privacy_finding",
                    ["resource_id", "state"])
    op.create_index("ix_privacy_finding_package_state", "privacy_finding",
                    ["package_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_privacy_finding_package_state", table_name="privacy_finding")
    op.drop_index("ix_privacy_finding_resource_state", table_name="privacy_finding")
    op.drop_table("privacy_finding")

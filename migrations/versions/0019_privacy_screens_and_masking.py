"""privacy screens and masking

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 03:10:00.000000

privacy_screen: which source (file, link or DataStore records) of each resource was last
screened, so a change, or a private dataset turning public, screens it once and reads do not.
privacy_finding.masking: how a finding was resolved by privacy_mask (column -> method).
ix_activity_user_time: a user's own activity (data export, anonymising a deleted account).
"""

from alembic import op
import sqlalchemy as sa


revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_screen",
        sa.Column("resource_id", sa.String(36), nullable=False),
        sa.Column("package_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"],
                                name=op.f("fk_privacy_screen_resource_id_resource"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["package_id"], ["dataset.id"],
                                name=op.f("fk_privacy_screen_package_id_dataset"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_privacy_screen")),
    )
    op.create_index("ix_privacy_screen_package_id", "privacy_screen", ["package_id"])
    with op.batch_alter_table("privacy_finding") as batch:
        batch.add_column(sa.Column("masking", sa.JSON(), nullable=True))
    op.create_index("ix_activity_user_time", "activity", ["user_id", "timestamp"])


def downgrade() -> None:
    op.drop_index("ix_activity_user_time", table_name="activity")
    with op.batch_alter_table("privacy_finding") as batch:
        batch.drop_column("masking")
    op.drop_index("ix_privacy_screen_package_id", table_name="privacy_screen")
    op.drop_table("privacy_screen")

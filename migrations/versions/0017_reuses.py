"""reuses (showcases), the datasets they use, and reports of them

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 03:10:00.000000

A reuse is an application, visualisation, article or API built on datasets; reuse_dataset links
it to each dataset (indexed by dataset for the dataset page and the DCAT feeds); reuse_report
holds one report per user and reuse for the sysadmins' moderation queue.
"""

from alembic import op
import sqlalchemy as sa


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reuse",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("image_key", sa.String(500), nullable=True),
        sa.Column("image_type", sa.String(50), nullable=True),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("featured", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_reuse_user_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reuse")),
    )
    op.create_index("ix_reuse_state_featured_created", "reuse", ["state", "featured", "created"])
    op.create_index("ix_reuse_user_id_created", "reuse", ["user_id", "created"])
    op.create_table(
        "reuse_dataset",
        sa.Column("reuse_id", sa.String(36), nullable=False),
        sa.Column("dataset_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(["reuse_id"], ["reuse.id"],
                                name=op.f("fk_reuse_dataset_reuse_id_reuse"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"],
                                name=op.f("fk_reuse_dataset_dataset_id_dataset"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("reuse_id", "dataset_id", name=op.f("pk_reuse_dataset")),
    )
    op.create_index("ix_reuse_dataset_dataset_id", "reuse_dataset", ["dataset_id"])
    op.create_table(
        "reuse_report",
        sa.Column("reuse_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("resolved", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["reuse_id"], ["reuse.id"],
                                name=op.f("fk_reuse_report_reuse_id_reuse"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_reuse_report_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("reuse_id", "user_id", name=op.f("pk_reuse_report")),
    )
    op.create_index("ix_reuse_report_user_id", "reuse_report", ["user_id"])
    op.create_index("ix_reuse_report_resolved_created", "reuse_report", ["resolved", "created"])


def downgrade() -> None:
    op.drop_index("ix_reuse_report_resolved_created", table_name="reuse_report")
    op.drop_index("ix_reuse_report_user_id", table_name="reuse_report")
    op.drop_table("reuse_report")
    op.drop_index("ix_reuse_dataset_dataset_id", table_name="reuse_dataset")
    op.drop_table("reuse_dataset")
    op.drop_index("ix_reuse_user_id_created", table_name="reuse")
    op.drop_index("ix_reuse_state_featured_created", table_name="reuse")
    op.drop_table("reuse")

"""daily dataset page views and search queries

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 01:10:00.000000

Counted in batches by portal.stats.usage: one row per dataset and day, one per normalised
query and day (the query text and its result count only, nothing about who searched).
"""

from alembic import op
import sqlalchemy as sa


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_view_count",
        sa.Column("dataset_id", sa.String(36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_dataset_view_count_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "day", name=op.f("pk_dataset_view_count")),
    )
    op.create_index("ix_dataset_view_count_day", "dataset_view_count", ["day"], unique=False)
    op.create_table(
        "search_term_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("term", sa.String(100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "term", name=op.f("pk_search_term_count")),
    )


def downgrade() -> None:
    op.drop_table("search_term_count")
    op.drop_index("ix_dataset_view_count_day", table_name="dataset_view_count")
    op.drop_table("dataset_view_count")

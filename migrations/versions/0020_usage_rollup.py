"""usage rolled up per day and department or theme

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 03:25:00.000000

Page views and downloads of public datasets per day and department / theme, kept up to date
with the daily counts (portal.stats.rollup), so the statistics add up a few rows a day
instead of one per dataset; filled from the counts already kept.
"""

from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_rollup",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("key", sa.String(36), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", "key", name=op.f("pk_usage_rollup")),
    )
    public = "d.state = 'active' AND d.private = false"
    for kind, key, join in (
        ("department", "COALESCE(d.owner_org, '')", ""),
        ("theme", "g.group_id", "JOIN dataset_group g ON g.dataset_id = d.id"),
    ):
        op.execute(
            f"""
            INSERT INTO usage_rollup (day, kind, key, views, downloads)
            SELECT day, '{kind}', owner, SUM(views), SUM(downloads) FROM (
                SELECT c.day AS day, {key} AS owner, c.count AS views, 0 AS downloads
                FROM dataset_view_count c JOIN dataset d ON d.id = c.dataset_id {join}
                WHERE {public}
                UNION ALL
                SELECT c.day, {key}, 0, c.count
                FROM download_count c JOIN dataset d ON d.id = c.dataset_id {join}
                WHERE {public}
            ) AS counted GROUP BY day, owner
            """
        )


def downgrade() -> None:
    op.drop_table("usage_rollup")

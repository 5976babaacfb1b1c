"""the DataStore's loading status per resource

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 08:00:00.000000

The rows are in the DataStore database (PORTAL_DATASTORE_URL); the metadata database keeps
whether each resource's table is pending, loading, done or failed (with the row and reason).
"""

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datastore_status",
        sa.Column("resource_id", sa.String(36), primary_key=True),
        sa.Column("package_id", sa.String(36), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_row", sa.Integer(), nullable=True),
        sa.Column("queued_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_datastore_status_package", "datastore_status", ["package_id"])


def downgrade() -> None:
    op.drop_index("ix_datastore_status_package", table_name="datastore_status")
    op.drop_table("datastore_status")

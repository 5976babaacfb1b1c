"""download totals per dataset, for the most-downloaded list

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 05:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('download_total',
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_download_total_dataset_id_dataset'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dataset_id', name=op.f('pk_download_total'))
    )
    op.create_index('ix_download_total_count', 'download_total', ['count'], unique=False)
    # The totals of the downloads counted so far.
    op.execute(
        "INSERT INTO download_total (dataset_id, count) "
        "SELECT dataset_id, SUM(count) FROM download_count GROUP BY dataset_id"
    )


def downgrade() -> None:
    op.drop_index('ix_download_total_count', table_name='download_total')
    op.drop_table('download_total')

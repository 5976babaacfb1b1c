"""login failures, for throttling password guessing

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 04:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=254), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    op.create_index('ix_login_failure_ip_created', 'login_failure', ['ip', 'created'], unique=False)
    op.create_index('ix_login_failure_username_created', 'login_failure', ['username', 'created'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_failure_username_created', table_name='login_failure')
    op.drop_index('ix_login_failure_ip_created', table_name='login_failure')
    op.drop_table('login_failure')

"""applications, their keys (API tokens with an app, read-only flag and expiry), API call counts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 03:00:00.000000

An application's key is an api_token row with app_id set, so every token client works with it.
API calls are counted per day, action and token in batches (portal.apps.usage); the counts
point at no token or application, so revoking a key keeps its calls in the figures.
"""

from alembic import op
import sqlalchemy as sa


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("rate_limit", sa.String(50), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_app_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app")),
    )
    op.create_index("ix_app_user_id", "app", ["user_id"])
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("app_id", sa.String(36), nullable=True))
        # Existing tokens are full-access and never expire.
        batch_op.add_column(
            sa.Column("read_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_api_token_app_id_app"), "app", ["app_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("ix_api_token_app_id", ["app_id"])
    op.create_table(
        "api_call_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("token_id", sa.String(36), nullable=False),
        sa.Column("app_id", sa.String(36), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "action", "token_id", name=op.f("pk_api_call_count")),
    )
    op.create_index("ix_api_call_count_app_id_day", "api_call_count", ["app_id", "day"])
    op.create_index("ix_api_call_count_token_id_day", "api_call_count", ["token_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_api_call_count_token_id_day", table_name="api_call_count")
    op.drop_index("ix_api_call_count_app_id_day", table_name="api_call_count")
    op.drop_table("api_call_count")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index("ix_api_token_app_id")
        batch_op.drop_constraint(batch_op.f("fk_api_token_app_id_app"), type_="foreignkey")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("read_only")
        batch_op.drop_column("app_id")
    op.drop_index("ix_app_user_id", table_name="app")
    op.drop_table("app")

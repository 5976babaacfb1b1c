"""feedback on datasets, their replies and reports; follows of datasets and departments

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 03:10:00.000000

Feedback items (comments, questions, error reports) thread replies under them; a report of
abuse is one row per user; a follow is one row per user and followed object.
"""

from alembic import op
import sqlalchemy as sa


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("dataset_id", sa.String(36), nullable=False),
        sa.Column("resource_id", sa.String(36), nullable=True),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("answered", sa.DateTime(), nullable=True),
        sa.Column("closed", sa.DateTime(), nullable=True),
        sa.Column("modified", sa.DateTime(), nullable=False),
        _fk("feedback", "dataset_id", "dataset", "CASCADE"),
        _fk("feedback", "resource_id", "resource", "SET NULL"),
        _fk("feedback", "user_id", "user", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_dataset_created", "feedback", ["dataset_id", "created"])
    op.create_index("ix_feedback_state_created", "feedback", ["state", "created"])
    op.create_index("ix_feedback_user_created", "feedback", ["user_id", "created"])
    op.create_table(
        "feedback_reply",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("feedback_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        _fk("feedback_reply", "feedback_id", "feedback", "CASCADE"),
        _fk("feedback_reply", "user_id", "user", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_reply")),
    )
    op.create_index(
        "ix_feedback_reply_feedback_created", "feedback_reply", ["feedback_id", "created"]
    )
    op.create_index("ix_feedback_reply_user_created", "feedback_reply", ["user_id", "created"])
    op.create_table(
        "feedback_report",
        sa.Column("feedback_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        _fk("feedback_report", "feedback_id", "feedback", "CASCADE"),
        _fk("feedback_report", "user_id", "user", "CASCADE"),
        sa.PrimaryKeyConstraint("feedback_id", "user_id", name=op.f("pk_feedback_report")),
    )
    op.create_table(
        "follow",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("object_type", sa.String(20), nullable=False),
        sa.Column("object_id", sa.String(36), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        _fk("follow", "user_id", "user", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "object_type", "object_id", name=op.f("pk_follow")),
    )
    op.create_index(op.f("ix_follow_object_id"), "follow", ["object_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_follow_object_id"), table_name="follow")
    op.drop_table("follow")
    op.drop_table("feedback_report")
    op.drop_index("ix_feedback_reply_user_created", table_name="feedback_reply")
    op.drop_index("ix_feedback_reply_feedback_created", table_name="feedback_reply")
    op.drop_table("feedback_reply")
    op.drop_index("ix_feedback_user_created", table_name="feedback")
    op.drop_index("ix_feedback_state_created", table_name="feedback")
    op.drop_index("ix_feedback_dataset_created", table_name="feedback")
    op.drop_table("feedback")

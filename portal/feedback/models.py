"""Feedback items on datasets, their threaded replies, abuse reports and follows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

import portal.catalog.models  # noqa: F401  (dataset, resource and user tables)
from portal.database import Base, new_id, utcnow

KINDS = ("comment", "question", "wrong_data", "broken_link", "other")
OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
STATES = (OPEN, ANSWERED, CLOSED)
DATASET, ORGANIZATION = "dataset", "organization"


class Feedback(Base):
    """A comment, question or error report on a dataset. `answered` is the time of the
    department's first reply: the response time the statistics count."""

    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_dataset_created", "dataset_id", "created"),
        Index("ix_feedback_state_created", "state", "created"),
        Index("ix_feedback_user_created", "user_id", "created"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    resource_id: Mapped[str | None] = mapped_column(ForeignKey("resource.id", ondelete="SET NULL"))
    # SET NULL: a purged account leaves its public feedback behind, without a name.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    answered: Mapped[datetime | None] = mapped_column(DateTime)
    closed: Mapped[datetime | None] = mapped_column(DateTime)
    modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FeedbackReply(Base):
    """One reply in a feedback item's thread; `official` when the department (or a sysadmin)
    wrote it."""

    __tablename__ = "feedback_reply"
    __table_args__ = (
        Index("ix_feedback_reply_feedback_created", "feedback_id", "created"),
        Index("ix_feedback_reply_user_created", "user_id", "created"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    feedback_id: Mapped[str] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FeedbackReport(Base):
    """One user's abuse report of one item: once per user (the primary key)."""

    __tablename__ = "feedback_report"

    feedback_id: Mapped[str] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Follow(Base):
    """A user following a dataset or a department; `object_id` is indexed for the lookup of
    followers when a dataset changes."""

    __tablename__ = "follow"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    object_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    object_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

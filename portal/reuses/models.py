"""Reuses, the datasets each one uses, and the reports readers make of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

import portal.catalog.models  # noqa: F401  (dataset and user tables)
from portal.database import Base, new_id, utcnow

PUBLISHED, HIDDEN = "published", "hidden"
STATES = (PUBLISHED, HIDDEN)
TYPES = ("application", "visualisation", "article", "api", "other")


class Reuse(Base):
    """A reuse is public from the moment it is submitted; a sysadmin may hide it (then only its
    owner and sysadmins see it). The image is a file in portal storage (`image_key`)."""

    __tablename__ = "reuse"
    __table_args__ = (
        # The public list: published ones, featured first, newest first.
        Index("ix_reuse_state_featured_created", "state", "featured", "created"),
        # The daily submission limit counts one user's recent reuses.
        Index("ix_reuse_user_id_created", "user_id", "created"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(1000))
    image_key: Mapped[str | None] = mapped_column(String(500))
    image_type: Mapped[str | None] = mapped_column(String(50))
    # SET NULL: a purged account leaves its public reuses behind, without a name.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default=PUBLISHED)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReuseDataset(Base):
    """One dataset a reuse uses; indexed by dataset for the dataset page and the feeds."""

    __tablename__ = "reuse_dataset"

    reuse_id: Mapped[str] = mapped_column(
        ForeignKey("reuse.id", ondelete="CASCADE"), primary_key=True
    )
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ReuseReport(Base):
    """One user's report of one reuse (the primary key: once per user, a new report replaces
    the old). `resolved` is when a sysadmin dealt with it; open reports fill the queue."""

    __tablename__ = "reuse_report"
    __table_args__ = (Index("ix_reuse_report_resolved_created", "resolved", "created"),)

    reuse_id: Mapped[str] = mapped_column(
        ForeignKey("reuse.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved: Mapped[datetime | None] = mapped_column(DateTime)

"""Download counts: one row per resource and day, and a running total per dataset (what the
most-downloaded list sorts on), both counted up by portal.stats.counting.record_download."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

import portal.catalog.models  # noqa: F401  (the "dataset" and "resource" tables the keys point at)
from portal.database import Base


class DownloadCount(Base):
    """How often a resource was downloaded (or its link followed) on one day (UTC).

    Rows go when their resource or dataset is purged (ON DELETE CASCADE); a resource or dataset
    that is only deleted keeps its counts."""

    __tablename__ = "download_count"
    __table_args__ = (Index("ix_download_count_dataset_day", "dataset_id", "day"),)

    resource_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # The resource's dataset, kept here so per-dataset sums need no join through resource.
    dataset_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("dataset.id", ondelete="CASCADE")
    )
    count: Mapped[int] = mapped_column(Integer, default=0)


class DownloadTotal(Base):
    """All downloads of a dataset's resources, kept up to date with the daily rows so the
    most-downloaded list reads one indexed row per dataset instead of summing every day."""

    __tablename__ = "download_total"
    __table_args__ = (Index("ix_download_total_count", "count"),)

    dataset_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    count: Mapped[int] = mapped_column(Integer, default=0)

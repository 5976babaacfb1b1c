"""Download counts: one row per resource and day, and a running total per dataset (what the
most-downloaded list sorts on), both counted up by portal.stats.counting.record_download;
dataset page views and search queries per day, counted in batches by portal.stats.usage."""

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


class DatasetViewCount(Base):
    """How often a dataset's page was viewed on one day (UTC), by people (not robots, not
    HEAD requests), added up in batches by portal.stats.usage. Views of a private or draft
    dataset are never counted, so no figure built on these rows can reveal one."""

    __tablename__ = "dataset_view_count"
    __table_args__ = (Index("ix_dataset_view_count_day", "day"),)

    dataset_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class SearchTermCount(Base):
    """How often a normalised query (portal.stats.usage.normalise_query) was searched on one
    day, and how many datasets it found the last time that day (0: a gap in the catalog).

    Only the query text is kept: no address, no user, nothing that ties it to a person."""

    __tablename__ = "search_term_count"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # first: windows scan by day
    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[int] = mapped_column(Integer, default=0)


class UsageRollup(Base):
    """Page views and downloads of public datasets per day and department (kind
    "department", key: the organization id, "" for none) or theme (kind "theme", key: the
    group id): what the monthly and per-department figures add up, a few rows a day instead
    of one per dataset (portal.stats.rollup keeps it).

    Counted while public: a view or download adds to the department and themes its dataset
    had when it was counted, if it was public and active then. `portal stats rebuild`
    recomputes the rows from the daily counts with the catalog as it is now."""

    __tablename__ = "usage_rollup"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # first: windows scan by day
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    downloads: Mapped[int] = mapped_column(Integer, default=0)

"""Harvest tables: sources, jobs, the record of each remote dataset, and job errors.

Invariants the database itself guarantees (see migrations/versions/0005_harvest.py):

- one remote id yields at most one dataset: `harvest_record` is unique on (source, remote id),
  and the record is written in the same transaction as the dataset it points at, so a job that
  is aborted or killed between the two cannot leave an unrecorded dataset behind;
- at most one unfinished job per source: `harvest_job.active_source_id` holds the source id
  while the job is new or running (NULL once it ends) and is unique, so a second job for the
  same source cannot even be inserted, whichever process tries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import portal.catalog.models  # noqa: F401  (organization, dataset and user tables)
from portal.database import Base, new_id, utcnow

SOURCE_TYPES = ("ckan", "dcat", "datajson", "spreadsheet")
FREQUENCIES = ("MANUAL", "HOURLY", "DAILY", "WEEKLY", "MONTHLY")
JOB_STATUSES = ("new", "running", "finished", "failed", "aborted")
UNFINISHED = ("new", "running")
STAGES = ("gather", "fetch", "import", "withdraw")
COUNTS = ("added", "updated", "unchanged", "deleted", "errored")


class HarvestSource(Base):
    """A department's remote catalog, harvested into the portal on a schedule."""

    __tablename__ = "harvest_source"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(2000))
    source_type: Mapped[str] = mapped_column(String(20))
    owner_org: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    frequency: Mapped[str] = mapped_column(String(20), default="MANUAL")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(20), default="active")
    creator_user_id: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HarvestJob(Base):
    """One run of a source: gather, fetch and import, then withdraw what disappeared."""

    __tablename__ = "harvest_job"
    __table_args__ = (Index("ix_harvest_job_source_created", "source_id", "created"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source_id: Mapped[str] = mapped_column(
        ForeignKey("harvest_source.id", ondelete="CASCADE"), index=True
    )
    # The source's id while the job is new or running, NULL once it ended: unique, so a source
    # never has two unfinished jobs (the database refuses the second insert).
    active_source_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    # A full run lists and re-imports everything; otherwise a source type may ask only for
    # what changed since the last successful job (ckan: metadata_modified).
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    abort_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(36))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started: Mapped[datetime | None] = mapped_column(DateTime)
    finished: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat: Mapped[datetime | None] = mapped_column(DateTime)
    # Set once the gather listed the whole source without an error: only then may records
    # that were not listed be withdrawn.
    gather_finished: Mapped[datetime | None] = mapped_column(DateTime)
    gathered: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    errored: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)

    source: Mapped[HarvestSource] = relationship()


class HarvestRecord(Base):
    """What the portal knows about one remote dataset of a source."""

    __tablename__ = "harvest_record"
    __table_args__ = (
        UniqueConstraint("source_id", "remote_id"),
        Index("ix_harvest_record_source_seen", "source_id", "last_seen_job_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source_id: Mapped[str] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    remote_id: Mapped[str] = mapped_column(String(1000))
    remote_url: Mapped[str | None] = mapped_column(String(2000))
    # sha256 of the canonical JSON of the dataset dict last written (see harvesters.records).
    content_hash: Mapped[str | None] = mapped_column(String(64))
    dataset_id: Mapped[str | None] = mapped_column(
        ForeignKey("dataset.id", ondelete="SET NULL"), index=True
    )
    # added, updated, unchanged, errored, withdrawn, missing
    status: Mapped[str] = mapped_column(String(20), default="added")
    errors: Mapped[list[Any]] = mapped_column(default=list)
    # The values of protected fields as the harvest last wrote them: a current value that
    # differs was edited in the portal and is kept.
    written: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_job_id: Mapped[str | None] = mapped_column(String(36))
    last_seen_job_id: Mapped[str | None] = mapped_column(String(36))
    missing_since: Mapped[datetime | None] = mapped_column(DateTime)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HarvestJobError(Base):
    """An error of a job: a whole stage (gather) or one record, with its field errors."""

    __tablename__ = "harvest_job_error"
    __table_args__ = (Index("ix_harvest_job_error_job", "job_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("harvest_job.id", ondelete="CASCADE"))
    remote_id: Mapped[str | None] = mapped_column(String(1000))
    stage: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any] | None] = mapped_column()
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HarvestPage(Base):
    """A page of a paged source as the last successful job read it: when the next job fetches
    the same bytes (under the same config) and every record on it was imported well, the page
    need not be parsed again: its records are known unchanged."""

    __tablename__ = "harvest_page"
    __table_args__ = (Index("ix_harvest_page_source_url", "source_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    # sha256 of the page's bytes, and of what else decides the mapping (config, version).
    content_hash: Mapped[str] = mapped_column(String(64))
    context_hash: Mapped[str] = mapped_column(String(64))
    next_url: Mapped[str | None] = mapped_column(String(2000))
    total: Mapped[int | None] = mapped_column(Integer)
    remote_ids: Mapped[list[Any]] = mapped_column(default=list)
    job_id: Mapped[str] = mapped_column(String(36))

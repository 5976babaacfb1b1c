"""Privacy findings: a resource's file held back from the public because its scan found
personal information (portal.privacy.screening), until the file is replaced by a clean one or
a department admin overrides the block with a written reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

import portal.catalog.models  # noqa: F401  (resource, dataset and user tables)
from portal.database import Base, new_id, utcnow

PENDING, OPEN, OVERRIDDEN, RESOLVED = "pending", "open", "overridden", "resolved"
STATES = (PENDING, OPEN, OVERRIDDEN, RESOLVED)
#: The file is not served to the public: not screened yet, or personal information found.
WITHHELD = (PENDING, OPEN)


class PrivacyFinding(Base):
    """One scan of one file that found personal information, or (pending) a tabular file
    stored but not screened yet: it is withheld until the scan, so nothing is published
    unscreened. A clean scan deletes the pending row and resolves earlier findings (their file
    is gone); a hit turns it open. `storage_key` is the file scanned, so an override applies
    to that file only."""

    __tablename__ = "privacy_finding"
    __table_args__ = (
        Index("ix_privacy_finding_resource_state", "resource_id", "state"),
        Index("ix_privacy_finding_package_state", "package_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    package_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    storage_key: Mapped[str | None] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    # ScanReport.as_dict(): per column the detectors, counts, shares and masked samples only.
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    overridden_by: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved: Mapped[datetime | None] = mapped_column(DateTime)
    # privacy_mask's resolution: {"columns": {header: keep|hash|drop}, "by": user id,
    # "storage_key": the masked file}; None for a finding resolved by a new file.
    masking: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class PrivacyScreen(Base):
    """The source of a resource last queued for screening (a digest of its file key, hash,
    link and format, or of DataStore records): a write that leaves it unchanged screens
    nothing, a dataset turning public screens the resources it has not screened yet."""

    __tablename__ = "privacy_screen"
    __table_args__ = (Index("ix_privacy_screen_package_id", "package_id"),)

    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    package_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(64))
    modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

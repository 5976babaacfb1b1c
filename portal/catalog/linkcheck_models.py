"""The result of the last link check of each linked resource (see portal.catalog.linkcheck)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

import portal.catalog.models  # noqa: F401  (the "resource" table the foreign key points at)
from portal.database import Base, utcnow


class LinkCheck(Base):
    """One row per checked resource, replaced by each new check."""

    __tablename__ = "resource_link_check"

    resource_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    # The URL that was checked: a result whose URL is no longer the resource's is stale.
    url: Mapped[str] = mapped_column(String(2000), default="")
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last HTTP status received (None when no answer came: blocked, timeout, ...).
    status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(String(2000))
    content_type: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(String(1000))
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

"""The result of the last link check of each linked resource (see portal.catalog.linkcheck)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.catalog.models import Resource  # the "resource" table the foreign key points at
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


def link_status(session: Session, dataset_id: str) -> dict[str, dict[str, Any]]:
    """The last check of each linked active resource of the dataset, by resource id: ok,
    status, final_url, content_type, error, checked_at (naive UTC). Resources never checked,
    or whose URL changed since their check, are absent."""
    rows = session.execute(
        select(LinkCheck, Resource.url)
        .join(Resource, Resource.id == LinkCheck.resource_id)
        .where(
            Resource.package_id == dataset_id,
            Resource.state == "active",
            or_(Resource.url_type.is_(None), Resource.url_type != "upload"),
        )
    )
    return {
        check.resource_id: {
            "ok": check.ok,
            "status": check.status,
            "final_url": check.final_url,
            "content_type": check.content_type,
            "error": check.error,
            "checked_at": check.checked_at,
        }
        for check, url in rows
        if check.url == url
    }

"""The loading status of each resource's DataStore table, kept in the metadata database (the
rows themselves live in the DataStore database, see portal.datastore.engine)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, utcnow

PENDING, LOADING, DONE, ERROR = "pending", "loading", "done", "error"


class DatastoreStatus(Base):
    """One resource's table: loaded from its file (method "file", by the load job) or written
    through datastore_create (method "api"). No foreign key on the resource: a purge must still
    find the row to drop the table in the other database (portal.datastore.hooks)."""

    __tablename__ = "datastore_status"
    __table_args__ = (Index("ix_datastore_status_package", "package_id"),)

    resource_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    package_id: Mapped[str] = mapped_column(String(36))
    method: Mapped[str] = mapped_column(String(10), default="file")
    state: Mapped[str] = mapped_column(String(10), default=PENDING)
    # What the file was when the load was queued (portal.datastore.hooks.source_fingerprint):
    # a load whose fingerprint is no longer current was superseded and stops.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    rows: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    error_row: Mapped[int | None] = mapped_column(Integer)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


def mark_active(resource: Any, active: bool) -> None:
    """Set CKAN's `datastore_active` on a resource (kept in its extras, so package_show reads it
    with no extra query): true once it has a table, false when the table is dropped."""
    extras = dict(resource.extras or {})
    if extras.get("datastore_active") is not active:
        extras["datastore_active"] = active
        resource.extras = extras

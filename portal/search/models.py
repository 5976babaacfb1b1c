"""The search outbox: datasets whose index entry must be refreshed.

A write action adds a row in its own transaction, so the change to index is never lost: if
the process dies or the engine is down after the commit, the row is still there and is applied
by the next writer or the periodic retry. Applied rows are kept for a while so a rebuild can
replay what changed while it ran.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, utcnow


class SearchOutbox(Base):
    __tablename__ = "search_outbox"
    __table_args__ = (Index("ix_search_outbox_pending", "applied_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(String(36), index=True)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))

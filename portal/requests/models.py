"""Data requests and their supporters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

import portal.catalog.models  # noqa: F401  (organization, dataset and user tables)
from portal.database import Base, new_id, utcnow

OPEN, PLANNED, PUBLISHED, REFUSED = "open", "planned", "published", "refused"
STATES = (OPEN, PLANNED, PUBLISHED, REFUSED)
ANSWERS = (PLANNED, PUBLISHED, REFUSED)


class DataRequest(Base):
    """A request for data, public from the moment it is made. `answered` is the time of the
    department's first answer: the response time the statistics count does not restart when
    a planned request is later published."""

    __tablename__ = "data_request"
    __table_args__ = (Index("ix_data_request_state_created", "state", "created"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    # SET NULL: a purged account leaves its public requests behind, without a name.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    answer: Mapped[str | None] = mapped_column(Text)
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("dataset.id", ondelete="SET NULL"))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    answered: Mapped[datetime | None] = mapped_column(DateTime)
    modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DataRequestSupport(Base):
    """One user's support of one request: the primary key makes it once per user, whatever
    the number of concurrent clicks."""

    __tablename__ = "data_request_support"

    request_id: Mapped[str] = mapped_column(
        ForeignKey("data_request.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

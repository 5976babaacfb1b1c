"""Data requests and their supporters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, false
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
    __table_args__ = (
        Index("ix_data_request_state_created", "state", "created"),
        # The daily creation limit counts one user's recent requests.
        Index("ix_data_request_user_id_created", "user_id", "created"),
    )

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
    # Hidden by a sysadmin (spam, abuse): then only its requester and sysadmins see it.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


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


class DataRequestReport(Base):
    """One user's report of one request (the primary key: once per user, a new report replaces
    the old). `resolved` is when a sysadmin dealt with it; open reports fill the queue."""

    __tablename__ = "data_request_report"
    __table_args__ = (Index("ix_data_request_report_resolved_created", "resolved", "created"),)

    request_id: Mapped[str] = mapped_column(
        ForeignKey("data_request.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved: Mapped[datetime | None] = mapped_column(DateTime)

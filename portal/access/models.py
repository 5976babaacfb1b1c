"""Applications for the data of a conditionally open dataset, and the grants approval makes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

import portal.catalog.models  # noqa: F401  (dataset and user tables)
from portal.database import Base, new_id, utcnow

PENDING, APPROVED, REJECTED, EXPIRED, REVOKED = (
    "pending", "approved", "rejected", "expired", "revoked"
)  # fmt: skip
#: What access_request_list filters on; expired is an approved request whose grant ran out
#: (worked out when read, so expiry takes effect at once without a job writing it).
STATES = (PENDING, APPROVED, REJECTED, EXPIRED, REVOKED)


class AccessRequest(Base):
    """One user's application for one dataset's data. `due` is the review deadline
    (PORTAL_ACCESS_REVIEW_DAYS after the application): a pending one past it is overdue."""

    __tablename__ = "access_request"
    __table_args__ = (Index("ix_access_request_dataset_state", "dataset_id", "state"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(Text)
    organization: Mapped[str] = mapped_column(String(200))
    days: Mapped[int] = mapped_column(Integer)
    commitment: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    reason: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    due: Mapped[datetime] = mapped_column(DateTime)
    decided: Mapped[datetime | None] = mapped_column(DateTime)


class AccessGrant(Base):
    """Access to one dataset's files, previews and DataStore rows for one user until
    `expires_at`, unless revoked first. The guard looks it up by (user, dataset)."""

    __tablename__ = "access_grant"
    __table_args__ = (Index("ix_access_grant_user_dataset", "user_id", "dataset_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

"""Applications registered by developers, and the API calls counted per action, day and key.

An application's keys are API tokens (portal.auth.models.ApiToken with `app_id`), so every
client that sends a CKAN token sends an app key the same way.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

import portal.auth.models  # noqa: F401  (the "user" table the owner points at)
from portal.database import Base, new_id, utcnow


class App(Base):
    """An application a developer registered. `rate_limit` overrides PORTAL_RATE_LIMIT_KEY for
    its keys (flask-limiter notation, e.g. "1200/minute"); set by a sysadmin only."""

    __tablename__ = "app"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    rate_limit: Mapped[str | None] = mapped_column(String(50))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ApiCallCount(Base):
    """How often an action was called through the API on one day (UTC) with one token, added
    up in batches by portal.apps.usage. `token_id` is "" for calls without a token; it and
    `app_id` ("" for a plain token) point at nothing on purpose: the counts of a revoked key
    or a deleted application stay in the monthly figures."""

    __tablename__ = "api_call_count"
    __table_args__ = (
        Index("ix_api_call_count_app_id_day", "app_id", "day"),
        Index("ix_api_call_count_token_id_day", "token_id", "day"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # first: windows scan by day
    action: Mapped[str] = mapped_column(String(100), primary_key=True)
    token_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(36), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)

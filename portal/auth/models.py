"""Accounts and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import Base, new_id, utcnow


class User(Base):
    __tablename__ = "user"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    fullname: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    about: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    sysadmin: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="active")
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all")

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.state == "active"

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.id


class ApiToken(Base):
    """An API token; only the SHA-256 of the secret is stored, the secret is shown once.

    An application's key (portal.apps) is a token with `app_id` set: it may be read-only
    (refused for every action that changes data) and may expire (then it is no token at all).
    """

    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_access: Mapped[datetime | None] = mapped_column(DateTime)
    # The "app" table is portal.apps.models.App; a deleted application takes its keys along.
    app_id: Mapped[str | None] = mapped_column(ForeignKey("app.id", ondelete="CASCADE"), index=True)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginFailure(Base):
    """A failed password login, kept for a short while to slow down password guessing
    (portal.auth.throttle)."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_created", "username", "created"),
        Index("ix_login_failure_ip_created", "ip", "created"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

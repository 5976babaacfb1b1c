"""The catalog's tables, named and shaped after CKAN's so its API maps one to one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.database import Base, new_id, utcnow

dataset_tag = Table(
    "dataset_tag",
    Base.metadata,
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

dataset_group = Table(
    "dataset_group",
    Base.metadata,
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("group.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Organization(Base):
    """A department that publishes datasets."""

    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    title_en: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(1000))
    code: Mapped[str | None] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(20), default="active")
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    members: Mapped[list[Member]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class Member(Base):
    """A user's role in a department: admin, editor or member."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Group(Base):
    """A theme that datasets of any department can belong to."""

    __tablename__ = "group"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    title_en: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(20), default="active")
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class License(Base):
    __tablename__ = "license"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class LicenseAlias(Base):
    """Another id a client may send for one of our licences: CKAN's default ids (cc-by,
    cc-zero, ...) and SPDX ids, stored lowercase (they are matched ignoring case)."""

    __tablename__ = "license_alias"

    alias: Mapped[str] = mapped_column(String(100), primary_key=True)
    license_id: Mapped[str] = mapped_column(
        ForeignKey("license.id", ondelete="CASCADE"), index=True
    )


# A dataset's free-text core fields, as CKAN names them: the form's text inputs, the keys a
# CKAN harvester copies, and (with the licence, visibility and type) the columns an update sets.
TEXT_FIELDS = (
    "title",
    "title_en",
    "notes",
    "url",
    "version",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
)


class Dataset(Base):
    __tablename__ = "dataset"
    __table_args__ = (Index("ix_dataset_state_private", "state", "private"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(1000), default="")
    title_en: Mapped[str | None] = mapped_column(String(1000))
    notes: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[str | None] = mapped_column(String(100))
    author: Mapped[str | None] = mapped_column(String(500))
    author_email: Mapped[str | None] = mapped_column(String(254))
    maintainer: Mapped[str | None] = mapped_column(String(500))
    maintainer_email: Mapped[str | None] = mapped_column(String(254))
    license_id: Mapped[str | None] = mapped_column(String(100))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="active")
    type: Mapped[str] = mapped_column(String(100), default="dataset")
    owner_org: Mapped[str | None] = mapped_column(ForeignKey("organization.id"), index=True)
    creator_user_id: Mapped[str | None] = mapped_column(ForeignKey("user.id"))
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Values of the metadata profile's own fields (schemas/profiles), returned at top level.
    profile_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The metadata quality score computed on save (portal/quality).
    quality: Mapped[dict[str, Any] | None] = mapped_column()
    metadata_created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    metadata_modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    organization: Mapped[Organization | None] = relationship()
    resources: Mapped[list[Resource]] = relationship(
        back_populates="dataset",
        cascade="all, delete-orphan",
        order_by="Resource.position",
    )
    tags: Mapped[list[Tag]] = relationship(secondary=dataset_tag, order_by=Tag.name)
    groups: Mapped[list[Group]] = relationship(secondary=dataset_group, order_by=Group.name)

    @property
    def active_resources(self) -> list[Resource]:
        return [r for r in self.resources if r.state == "active"]


class Resource(Base):
    __tablename__ = "resource"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    package_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000), default="")
    url_type: Mapped[str | None] = mapped_column(String(20))
    # Where an uploaded file lives in storage; internal, never shown in the API.
    storage_key: Mapped[str | None] = mapped_column(String(1000))
    name: Mapped[str | None] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(100))
    mimetype: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(BigInteger)
    hash: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="active")
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_modified: Mapped[datetime | None] = mapped_column(DateTime)
    metadata_modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    dataset: Mapped[Dataset] = relationship(back_populates="resources")


class ResourceView(Base):
    """A way to look at a resource (CKAN's resource views): a table, a chart, an image, a page."""

    __tablename__ = "resource_view"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    view_type: Mapped[str] = mapped_column(String(100))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    order: Mapped[int] = mapped_column(Integer, default=0)


class PackageMember(Base):
    """A collaborator on one dataset (CKAN 2.9's package_member): `member` reads it while it is
    private, `editor` also edits it, whatever the user's role in its department."""

    __tablename__ = "package_member"

    package_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    capacity: Mapped[str] = mapped_column(String(20))
    modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Activity(Base):
    """Who changed what, with the object as it was after the change."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_object_time", "object_id", "timestamp"),
        # A user's own activity: their data export and the anonymising of a deleted account.
        Index("ix_activity_user_time", "user_id", "timestamp"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    timestamp: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[str | None] = mapped_column(String(36))
    object_id: Mapped[str] = mapped_column(String(36))
    activity_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

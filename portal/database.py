"""SQLAlchemy engine and session handling for one portal instance.

Each Flask app owns its own `Database`, so two instances in one process (tests) or side by side
(two PORTAL_INSTANCE folders) never share an engine or a session.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Naive UTC timestamps, as CKAN stores and prints them."""
    return datetime.now(UTC).replace(tzinfo=None)


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the single writer; the busy timeout makes concurrent
    # gunicorn workers wait for the write lock instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _begin_sqlite).
    dbapi_connection.isolation_level = None


def _begin_sqlite(conn) -> None:
    # Write actions ask for BEGIN IMMEDIATE so concurrent writers queue on the busy timeout
    # instead of failing when a read transaction cannot be upgraded to a write one.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite).

    A read transaction still open (the request already loaded the user) is ended first:
    SQLite cannot upgrade it to a writer once another connection has written, and fails at
    once with "database is locked" instead of waiting on the busy timeout."""
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            return  # already writing in this transaction
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


@contextmanager
def write_transaction(session: Session) -> Iterator[None]:
    """A short write of its own outside the action layer (a login failure, a download count):
    begin_write, then commit, or roll back and re-raise."""
    try:
        begin_write(session)
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.session: scoped_session[Session] = scoped_session(self.factory)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def remove(self, _exc: BaseException | None = None) -> None:
        self.session.remove()

    def dispose(self) -> None:
        self.session.remove()
        self.engine.dispose()

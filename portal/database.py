"""SQLAlchemy engine and session handling for one portal instance.

Each Flask app owns its own `Database`, so two instances in one process (tests) or side by side
(two PORTAL_INSTANCE folders) never share an engine or a session.
"""

from __future__ import annotations

import fcntl
import threading
import time
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


class WriterGate:
    """Writers of one SQLite file queue here before BEGIN IMMEDIATE: a lock per process (its
    waiters wake the moment it is released) and an flock across processes (one waiter per
    process polls it every millisecond). SQLite's own busy handler makes waiting writers sleep
    in growing steps of up to 100 ms however soon the lock is free, which under 30 concurrent
    clients turned 3 ms writes into a p99 of over a second."""

    POLL = 0.001

    def __init__(self, path: str, timeout: float = 30.0) -> None:
        self.path, self.timeout = path, timeout
        self.local = threading.Lock()
        self.handle = open(path, "a")  # noqa: SIM115 - one descriptor for the process's life

    def acquire(self) -> bool:
        """Wait for the gate; False after the timeout (SQLite's busy timeout then decides)."""
        deadline = time.monotonic() + self.timeout
        if not self.local.acquire(timeout=self.timeout):
            return False
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.local.release()
                    return False
                time.sleep(self.POLL)

    def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.local.release()


GATE_KEY = "portal_writer_gate"


def _begin_sqlite(conn) -> None:
    # Write actions ask for BEGIN IMMEDIATE so concurrent writers queue (at the writer gate)
    # instead of failing when a read transaction cannot be upgraded to a write one.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    gate: WriterGate | None = getattr(conn.engine, GATE_KEY, None)
    if mode == "IMMEDIATE" and gate is not None and GATE_KEY not in conn.info:
        if gate.acquire():
            conn.info[GATE_KEY] = gate
    try:
        conn.exec_driver_sql(f"BEGIN {mode}")
    except BaseException:
        _leave_gate(conn.info)
        raise


def _reset(_dbapi_connection, record, _reset_state) -> None:
    _leave_gate(record.info)


def _invalidate(_dbapi_connection, record, _exception) -> None:
    _leave_gate(record.info)


def _leave_gate(info: dict) -> None:
    gate = info.pop(GATE_KEY, None)
    if gate is not None:
        gate.release()


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
        database = url.removeprefix("sqlite:///")
        if database and database != ":memory:" and not database.startswith("file:"):
            setattr(engine, GATE_KEY, WriterGate(f"{database}-writers"))
            # The transaction ends: on commit, rollback, or the pool's reset of a connection
            # handed back without either.
            event.listen(engine, "commit", lambda conn: _leave_gate(conn.info))
            event.listen(engine, "rollback", lambda conn: _leave_gate(conn.info))
            event.listen(engine, "reset", _reset)
            event.listen(engine, "invalidate", _invalidate)
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

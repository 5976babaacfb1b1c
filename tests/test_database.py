"""The metadata database under concurrent writers."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from portal.database import begin_write


def test_a_session_that_read_first_can_still_write_after_another_writer(app):
    db = app.extensions["portal.db"]
    if not db.is_sqlite:
        pytest.skip("SQLite's read-to-write upgrade rule")
    reader = db.factory()
    reader.execute(text("SELECT count(*) FROM license")).scalar()  # a read snapshot is open
    other = db.factory()
    begin_write(other)
    other.execute(text("UPDATE license SET title = title || '' WHERE id = 'cc0-1.0'"))
    other.commit()
    # Upgrading the stale read snapshot would fail at once with "database is locked";
    # begin_write ends it and takes the write lock instead.
    begin_write(reader)
    reader.execute(text("UPDATE license SET position = position WHERE id = 'cc0-1.0'"))
    reader.commit()
    reader.close()
    other.close()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    db = app.extensions["portal.db"]
    if not db.is_sqlite:
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_the_sqlite_writer_gate_is_released_however_a_write_ends(app):
    from portal.database import GATE_KEY

    db = app.extensions["portal.db"]
    if not db.is_sqlite:
        pytest.skip("the writer gate is SQLite's (PostgreSQL has row locks)")
    gate = getattr(db.engine, GATE_KEY)
    for end in ("commit", "rollback", "close"):
        session = db.factory()
        begin_write(session)
        assert gate.local.locked(), end  # a writer holds it while its transaction runs
        getattr(session, end)()
        assert not gate.local.locked(), end
    # A reader never takes it.
    with db.factory() as session:
        session.execute(text("SELECT 1"))
        assert not gate.local.locked()


def test_writers_queue_at_the_gate_in_turn(app):
    import threading

    db = app.extensions["portal.db"]
    if not db.is_sqlite:
        pytest.skip("PostgreSQL writers of different rows do not wait for each other")
    order = []
    first = db.factory()
    begin_write(first)

    def second_writer() -> None:
        with db.factory() as session:
            begin_write(session)
            order.append("second")
            session.commit()

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(timeout=0.2)
    assert thread.is_alive() and order == []  # waits for the first writer
    order.append("first")
    first.commit()
    thread.join(timeout=10)
    assert order == ["first", "second"]

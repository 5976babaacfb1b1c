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

"""Upgrading a database that already holds a catalog keeps every row."""

from __future__ import annotations

import sqlite3

from portal.migrate import upgrade


def test_upgrading_an_existing_sqlite_catalog_keeps_its_rows(tmp_path):
    path = tmp_path / "portal.db"
    url = f"sqlite:///{path}"
    upgrade(url, "0002")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO organization (id, name, title, state, created) "
            "VALUES ('o1', 'transport', '省交通运输厅', 'active', '2025-01-01')"
        )
        conn.execute(
            "INSERT INTO dataset (id, name, title, private, state, type, owner_org, extras, "
            "metadata_created, metadata_modified) VALUES ('d1', 'bus', '公交线路', 0, "
            "'active', 'dataset', 'o1', '{}', '2025-01-01', '2025-01-01')"
        )
        conn.execute(
            "INSERT INTO resource (id, package_id, url, position, state, extras, created, "
            "metadata_modified) VALUES ('r1', 'd1', 'http://x/y.csv', 0, 'active', '{}', "
            "'2025-01-01', '2025-01-01')"
        )
        conn.execute("INSERT INTO tag (id, name) VALUES ('t1', '公交')")
        conn.execute("INSERT INTO dataset_tag (dataset_id, tag_id) VALUES ('d1', 't1')")
    upgrade(url)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM resource").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM dataset_tag").fetchone() == (1,)
        assert conn.execute("SELECT profile_fields FROM dataset").fetchone() == ("{}",)


def test_download_totals_start_from_the_counts_already_kept(tmp_path):
    path = tmp_path / "portal.db"
    url = f"sqlite:///{path}"
    upgrade(url, "0007")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO dataset (id, name, title, private, state, type, extras, "
            "metadata_created, metadata_modified, profile_fields) VALUES ('d1', 'bus', '公交线路', "
            "0, 'active', 'dataset', '{}', '2025-01-01', '2025-01-01', '{}')"
        )
        for rid in ("r1", "r2"):
            conn.execute(
                "INSERT INTO resource (id, package_id, url, position, state, extras, created, "
                f"metadata_modified) VALUES ('{rid}', 'd1', 'http://x/{rid}.csv', 0, 'active', "
                "'{}', '2025-01-01', '2025-01-01')"
            )
        conn.executemany(
            "INSERT INTO download_count (resource_id, day, dataset_id, count) "
            "VALUES (?, ?, 'd1', ?)",
            [("r1", "2025-01-01", 3), ("r1", "2025-01-02", 4), ("r2", "2025-01-02", 5)],
        )
    upgrade(url)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT dataset_id, count FROM download_total").fetchall() == [
            ("d1", 12)
        ]


def test_db_upgrade_says_what_it_created_and_then_that_nothing_was_left(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_INSTANCE"] = str(tmp_path / "instance")
    command = [sys.executable, "-m", "portal.cli", "db", "upgrade"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    assert first.startswith("Created the database at sqlite:///")
    assert "applied 0001 initial catalog schema" in first
    assert first.strip().endswith("Database is up to date.")
    again = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    assert again.strip() == "Database was already up to date."

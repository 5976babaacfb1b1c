"""The DataStore database, chosen by PORTAL_DATASTORE_URL: a SQLite file (default, in the
instance folder) or PostgreSQL. Everything dialect-specific about tables lives here.

Each resource's rows are in a table named by the resource id (as in CKAN, so that
datastore_search_sql reads `SELECT ... FROM "<resource id>"`), with CKAN's `_id` column and a
hidden `_full_text` column: the row's text through the portal's analyzer
(portal.search.text), space-separated with a space at each end, so a query token matches as
`LIKE '% token %'` on either dialect. That column is also full-text indexed, so `q` does not
scan the table: on SQLite an external-content FTS5 table `<resource id>__fts` kept in step by
triggers, on PostgreSQL a GIN index on the tokens as a tsvector (see `full_text_index`). A
table's declared fields (CKAN type names and `info`)
and primary key are kept in the `_datastore_tables` table beside them, since SQLite's column
affinities cannot tell a date from text.

Identifiers are never user input pasted into SQL: resource ids and column names are checked
against strict rules and then quoted; values are always bound parameters.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from portal.datastore.types import SQL
from portal.errors import DatastoreError

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

META = "_datastore_tables"
FULL_TEXT = "_full_text"
ID = "_id"
# CKAN's rule for field names: not starting with "_" (its own columns), no double quote; the
# portal adds no control characters and PostgreSQL's identifier length.
_FIELD = re.compile(r'^[^_"\x00-\x1f\x7f\s][^"\x00-\x1f\x7f]{0,62}$')
_RESOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
CHUNK_ROWS = 5_000
# The FTS5 table beside a resource table. Resource ids have no "_", so datastore_search_sql
# (which reads only tables named like resource ids) can never name it or its shadow tables.
FTS_SUFFIX = "__fts"
# The tokens are already analysed (portal.search.text) and space-separated: FTS5 must split on
# spaces only and keep each token as it is (punctuation, symbols and marks are token
# characters, no diacritics removed), so a MATCH finds exactly the rows `LIKE '% t %'` finds.
FTS_TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* Co M* P* S*'"
# PostgreSQL: the same tokens as lexemes, unchanged (to_tsvector's parser would split and
# normalise them again). The search must use this exact expression for the index to apply.
PG_TSVECTOR = "array_to_tsvector(string_to_array(btrim(\"_full_text\"), ' '))"


class InvalidName(ValueError):
    """A column name or resource id that the rules refuse."""


def check_field(name: Any) -> str:
    if not isinstance(name, str) or not _FIELD.match(name) or name != name.strip():
        raise InvalidName(
            f"{str(name)[:80]!r} is not a valid field name: 1 to 63 characters, not starting "
            "with '_' or a space, without double quotes or control characters."
        )
    return name


def check_resource_id(resource_id: Any) -> str:
    if not isinstance(resource_id, str) or not _RESOURCE_ID.match(resource_id):
        raise InvalidName(f"{str(resource_id)[:80]!r} is not a resource id.")
    return resource_id


def quote(name: str) -> str:
    """A quoted identifier (names are checked first; doubling quotes is the second guard)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class TableInfo:
    resource_id: str
    fields: list[dict[str, Any]]
    primary_key: list[str] = field(default_factory=list)

    def types(self) -> dict[str, str]:
        return {f["id"]: f["type"] for f in self.fields}


class DatastoreDB:
    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = "postgresql" if url.startswith("postgres") else "sqlite"
        self.engine = self._engine(url)
        self._ensure_meta()

    def _engine(self, url: str) -> Engine:
        if self.dialect == "sqlite":
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(engine, "connect", _tune_sqlite)
            # pysqlite would begin transactions only before DML: DDL (the staging table, the
            # swap) must be inside the transaction too, so the portal emits BEGIN itself.
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
            return engine
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return create_engine(url, pool_pre_ping=True)

    @property
    def sqlite_path(self) -> str:
        return self.url.removeprefix("sqlite:///")

    def _ensure_meta(self) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                f"CREATE TABLE IF NOT EXISTS {quote(META)} (resource_id TEXT PRIMARY KEY, "
                "fields TEXT NOT NULL, primary_key TEXT NOT NULL)"
            )

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with _reachable():
            conn = self.engine.connect()
        with conn, conn.begin():
            yield conn

    def placeholder(self) -> str:
        return "?" if self.dialect == "sqlite" else "%s"

    def info(self, conn: Connection, resource_id: str) -> TableInfo | None:
        row = conn.execute(
            text(f"SELECT fields, primary_key FROM {quote(META)} WHERE resource_id = :id"),
            {"id": resource_id},
        ).first()
        if row is None:
            return None
        return TableInfo(resource_id, json.loads(row[0]), json.loads(row[1]))

    def exists(self, resource_id: str) -> bool:
        with self.begin() as conn:
            return self.info(conn, resource_id) is not None

    def count(self, conn: Connection, resource_id: str) -> int:
        return conn.exec_driver_sql(f"SELECT count(*) FROM {quote(resource_id)}").scalar() or 0

    def _column_sql(self, fields: list[dict[str, Any]]) -> str:
        types = SQL[self.dialect]
        return ", ".join(f"{quote(check_field(f['id']))} {types[f['type']]}" for f in fields)

    def create_table(
        self, conn: Connection, name: str, fields: list[dict[str, Any]], indexed: bool = True
    ) -> None:
        """`indexed=False` for a staging table: its full-text index is built once it is full
        and in place (see `replace`), faster than keeping it in step row by row."""
        # Constraint and index names are random: a staging table renamed into place keeps its
        # index names, and the next staging table must not collide with them.
        tag = secrets.token_hex(6)
        if self.dialect == "sqlite":
            key = f"{quote(ID)} INTEGER PRIMARY KEY"
        else:
            key = (
                f"{quote(ID)} bigint GENERATED BY DEFAULT AS IDENTITY "
                f"CONSTRAINT {quote('pk_' + tag)} PRIMARY KEY"
            )
        columns = self._column_sql(fields)
        conn.exec_driver_sql(
            f"CREATE TABLE {quote(name)} ({key}, {quote(FULL_TEXT)} TEXT"
            + (f", {columns}" if columns else "")
            + ")"
        )
        if indexed:
            self.index_full_text(conn, name)

    def index_full_text(self, conn: Connection, name: str) -> None:
        """The full-text index of a table's `_full_text`, built from the rows already there."""
        if self.dialect == "postgresql":
            conn.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {quote(name + FTS_SUFFIX)} ON {quote(name)} "
                f"USING gin (({PG_TSVECTOR}))"
            )
            return
        fts, table_name, text_col = quote(name + FTS_SUFFIX), quote(name), quote(FULL_TEXT)
        content = "'" + name.replace("'", "''") + "'"
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({text_col}, content={content}, "
            f'content_rowid={quote(ID)}, tokenize="{FTS_TOKENIZE}")'
        )
        add = f"INSERT INTO {fts} (rowid, {text_col}) VALUES (new.{quote(ID)}, new.{text_col});"
        remove = (f"INSERT INTO {fts} ({fts}, rowid, {text_col}) "
                  f"VALUES ('delete', old.{quote(ID)}, old.{text_col});")  # fmt: skip
        for suffix, event_name, body in (("_ai", "INSERT", add), ("_ad", "DELETE", remove),
                                         ("_au", "UPDATE", remove + " " + add)):  # fmt: skip
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {quote(name + FTS_SUFFIX + suffix)} AFTER "
                f"{event_name} ON {table_name} BEGIN {body} END"
            )
        conn.exec_driver_sql(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")

    def has_full_text_index(self, conn: Connection, name: str) -> bool:
        """False for a table made before the index existed: its `q` falls back to LIKE."""
        if self.dialect == "postgresql":
            sql = "SELECT to_regclass(%s) IS NOT NULL"
            return bool(conn.exec_driver_sql(sql, (quote(name + FTS_SUFFIX),)).scalar())
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
        return bool(conn.exec_driver_sql(sql, (name + FTS_SUFFIX,)).scalar())

    def drop_full_text_index(self, conn: Connection, name: str) -> None:
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {quote(name + FTS_SUFFIX)}")
            return
        for suffix in ("_ai", "_ad", "_au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {quote(name + FTS_SUFFIX + suffix)}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name + FTS_SUFFIX)}")

    def add_columns(self, conn: Connection, name: str, fields: list[dict[str, Any]]) -> None:
        types = SQL[self.dialect]
        for f in fields:
            conn.exec_driver_sql(
                f"ALTER TABLE {quote(name)} ADD COLUMN {quote(check_field(f['id']))} "
                f"{types[f['type']]}"
            )

    def create_index(
        self, conn: Connection, name: str, columns: list[str], unique: bool = False
    ) -> None:
        tag = ("ux_" if unique else "ix_") + secrets.token_hex(6)
        cols = ", ".join(quote(check_field(c)) for c in columns)
        kind = "UNIQUE INDEX" if unique else "INDEX"
        conn.exec_driver_sql(f"CREATE {kind} {quote(tag)} ON {quote(name)} ({cols})")

    def user_indexes(self, conn: Connection, name: str) -> list[tuple[list[str], bool]]:
        """The (columns, unique) indexes made on a table through datastore_create (the ones on
        its own `_` columns come with every table)."""
        found = []
        for index in inspect(conn).get_indexes(name):
            columns = [c for c in index["column_names"] if c]
            if columns and not any(c.startswith("_") for c in columns):
                found.append((columns, bool(index["unique"])))
        return found

    def save_info(self, conn: Connection, info: TableInfo) -> None:
        conn.execute(text(f"DELETE FROM {quote(META)} WHERE resource_id = :id"),
                     {"id": info.resource_id})  # fmt: skip
        conn.execute(
            text(f"INSERT INTO {quote(META)} (resource_id, fields, primary_key) "
                 "VALUES (:id, :fields, :pk)"),
            {"id": info.resource_id, "fields": json.dumps(info.fields, ensure_ascii=False),
             "pk": json.dumps(info.primary_key)},
        )  # fmt: skip

    def drop(self, conn: Connection, resource_id: str) -> None:
        self.drop_full_text_index(conn, resource_id)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(resource_id)}")
        conn.execute(text(f"DELETE FROM {quote(META)} WHERE resource_id = :id"),
                     {"id": resource_id})  # fmt: skip

    def replace(self, conn: Connection, info: TableInfo, staging: str) -> None:
        """Put a fully loaded staging table in place of the resource's table (same
        transaction: readers see the old table or the new one, never half of one). Its
        full-text index is built under its final name: an FTS5 table names its content table,
        which a rename would not follow."""
        self.drop_full_text_index(conn, staging)
        self.drop_full_text_index(conn, info.resource_id)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(info.resource_id)}")
        conn.exec_driver_sql(f"ALTER TABLE {quote(staging)} RENAME TO {quote(info.resource_id)}")
        self.index_full_text(conn, info.resource_id)
        self.save_info(conn, info)

    def insert(
        self,
        conn: Connection,
        name: str,
        columns: list[str],
        rows: Iterable[tuple[Any, ...]],
    ) -> int:
        """Insert rows (driver-ready values for `_full_text` and then `columns`) in chunks:
        COPY on PostgreSQL, executemany on SQLite. Returns how many."""
        names = [FULL_TEXT, *columns]
        if self.dialect == "postgresql":
            return self._copy(conn, name, names, rows)
        marks = ", ".join("?" for _ in names)
        sql = f"INSERT INTO {quote(name)} ({', '.join(quote(n) for n in names)}) VALUES ({marks})"
        cursor = conn.connection.driver_connection.cursor()
        total = 0
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                cursor.executemany(sql, chunk)
                total += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            total += len(chunk)
        return total

    def _copy(
        self, conn: Connection, name: str, names: list[str], rows: Iterable[tuple[Any, ...]]
    ) -> int:
        raw = conn.connection.driver_connection
        total = 0
        cols = ", ".join(quote(n) for n in names)
        with raw.cursor() as cursor, cursor.copy(f"COPY {quote(name)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                total += 1
        return total

    def settle(self, name: str) -> None:
        """After a bulk load on PostgreSQL: VACUUM sets the visibility map, so a filtered
        count (every datastore_search's total) is an index-only scan (4 ms instead of 100 on
        a sixteenth of a million rows), and ANALYZE gives the planner the new table's
        statistics. Outside any transaction, as VACUUM must be."""
        if self.dialect != "postgresql":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {quote(name)}")

    def dispose(self) -> None:
        self.engine.dispose()


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_datastore(app: Flask) -> DatastoreDB:
    """The app's DataStore database, opened once (tried again on the next call while it is
    unreachable)."""
    db = app.extensions.get("portal.datastore")
    if db is None:
        settings = app.extensions["portal.settings"]
        url = settings.datastore_url or f"sqlite:///{settings.instance / 'datastore.db'}"
        with _reachable():
            db = DatastoreDB(url)
        app.extensions["portal.datastore"] = db
    return db


@contextmanager
def _reachable() -> Iterator[None]:
    """A DataStore server that refuses connections is a DatastoreError (503), not a 500."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        log.warning("DataStore database unreachable: %s", exc)
        raise DatastoreError("The DataStore database is unreachable; try again shortly.") from None

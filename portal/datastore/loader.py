"""The load job (CKAN's XLoader): a resource's file into its DataStore table.

Two passes over the file, both streamed: the first infers each column's type from every
value (so a column that turns textual after row 10,000 is text), the second converts and
inserts in chunks (COPY on PostgreSQL) into a staging table that replaces the resource's table
only once every row is in. A malformed file therefore leaves the previous table as it was, and
the status records the row and the reason.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache, partial
from itertools import filterfalse, repeat
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.catalog.models import Resource
from portal.database import utcnow
from portal.datastore.engine import TableInfo, open_datastore
from portal.datastore.models import DONE, ERROR, LOADING, DatastoreStatus, mark_active
from portal.datastore.reading import DELIMITED, LOAD, Malformed, Table, column_names
from portal.datastore.types import (
    _PLAIN_INT,
    _PLAIN_NUM,
    TEXTUAL,
    ConversionError,
    cell_converter,
    widen,
)
from portal.errors import DatastoreError
from portal.files.limits import LimitExceeded
from portal.jobs.queue import task
from portal.net.fetch import FetchError, FetchPolicy, fetch
from portal.search.text import index_text

if TYPE_CHECKING:
    from flask import Flask

    from portal.datastore.engine import DatastoreDB

log = logging.getLogger(__name__)
TASK_NAME = "datastore.load"
ALLOWED_HOSTS_SETTING = "PORTAL_DATASTORE_ALLOWED_HOSTS"
# PostgreSQL refuses a longer lexeme in the full-text index (and nobody searches for one).
MAX_TOKEN_BYTES = 2046
BLOCK_ROWS = 4096
# Distinct values per column remembered by the type inference (bounded memory).
MAX_SEEN = 65_536


def infer_fields(table: Table) -> list[dict[str, Any]]:
    """Fields named from the header, typed from every value of the file."""
    names = column_names(table.header())
    kinds: list[str | None] = [None] * len(names)
    if table.fmt not in DELIMITED:
        for _number, cells in table.rows():
            for i, value in enumerate(cells[: len(names)]):
                kinds[i] = widen(kinds[i], value)
    else:
        seen: list[set[str]] = [set() for _ in names]
        for _numbers, rows in _blocks(table):
            for i, column in enumerate(zip(*rows, strict=True)):
                if kinds[i] != "text":
                    kinds[i] = _widen_all(kinds[i], column, seen[i])
    return [{"id": n, "type": k or "text"} for n, k in zip(names, kinds, strict=True)]


def _blocks(table: Table) -> Iterator[tuple[list[int], list[list[Any]]]]:
    """The table's rows in blocks of BLOCK_ROWS (row numbers, rows): a CSV's cells are all
    text, so a block's column is checked and converted a distinct value at a time, and the
    common cases (plain integers, text without blanks) without a Python call per cell."""
    numbers: list[int] = []
    rows: list[list[Any]] = []
    for number, cells in table.rows():
        numbers.append(number)
        rows.append(cells)
        if len(rows) == BLOCK_ROWS:
            yield numbers, rows
            numbers, rows = [], []
    if rows:
        yield numbers, rows


def _widen_all(kind: str | None, column: tuple[str | None, ...], seen: set[str]) -> str | None:
    """widen() over a column of text cells (the join of types does not depend on order),
    skipping the values an earlier block already widened by (`seen`, updated): a wider type
    still holds them. Dates and categories repeat down a column."""
    distinct = set(column)
    distinct.discard(None)  # a short row's padding
    distinct -= seen
    if len(seen) < MAX_SEEN:
        seen |= distinct
    unusual: Iterable[Any] = distinct
    if kind == "int":
        unusual = filterfalse(_PLAIN_INT.match, distinct)
    elif kind == "numeric":
        unusual = filterfalse(_PLAIN_NUM.match, distinct)
    for value in unusual:
        kind = widen(kind, value)
        if kind == "text":
            break
    return kind


def full_text(values: list[Any]) -> str:
    """The hidden `_full_text` value: the row's text columns through the portal's analyzer
    (one value at a time, cached: a column's values repeat down a large file)."""
    return f" {' '.join(t for t in (_tokens(str(v)) for v in values if v is not None) if t)} "


@lru_cache(maxsize=65_536)
def _tokens(value: str) -> str:
    return " ".join(w for w in index_text(value).split() if len(w.encode()) <= MAX_TOKEN_BYTES)


def converted(
    table: Table, fields: list[dict[str, Any]], dialect: str
) -> Iterator[tuple[Any, ...]]:
    """Driver-ready rows: `_full_text`, then each field's value."""
    converters = [cell_converter(f["type"], dialect) for f in fields]
    textual = [i for i, f in enumerate(fields) if f["type"] in TEXTUAL]
    if table.fmt not in DELIMITED:
        yield from _converted_rows(table.rows(), converters, textual)
        return
    types = [f["type"] for f in fields]
    for numbers, rows in _blocks(table):
        try:
            block = zip(types, converters, zip(*rows, strict=True), strict=True)
            columns = [_converted_column(t, convert, column) for t, convert, column in block]
        except ConversionError:  # the row-at-a-time path names the row
            yield from _converted_rows(zip(numbers, rows, strict=True), converters, textual)
            continue
        yield from zip(_full_texts([columns[i] for i in textual], len(rows)), *columns, strict=True)


def _full_texts(columns: list[Any], count: int) -> Iterator[str]:
    """full_text() of a block's rows from its text columns, each distinct value through the
    analyzer once, the rows joined without a Python call per row."""
    if not columns:
        return repeat(" ", count)  # type: ignore[return-value]
    tokens = []
    for column in columns:
        analyzed = {value: _tokens(value) for value in set(column) if value}
        tokens.append(map(analyzed.get, column))
    return map(" {} ".format, map(" ".join, map(partial(filter, None), zip(*tokens, strict=True))))


def _converted_rows(
    rows: Iterable[tuple[int, list[Any]]], converters: list[Any], textual: list[int]
) -> Iterator[tuple[Any, ...]]:
    for number, cells in rows:
        try:
            db_values = [convert(c) for convert, c in zip(converters, cells, strict=True)]
        except ConversionError as exc:
            raise Malformed(f"Row {number}: {exc}.", number) from None
        yield (full_text([db_values[i] for i in textual]), *db_values)


def _converted_column(type_name: str, convert: Any, column: tuple[Any, ...]) -> Any:
    """One block's column through its converter: plain integers by int() alone, text with no
    blank cell as it is, a column of repeated values one distinct value at a time."""
    if type_name in ("int", "bigint"):
        try:
            if next(filterfalse(_PLAIN_INT.match, column), None) is None:
                return list(map(int, column))
        except TypeError:  # a short row's padding (None): the converter handles it
            pass
    distinct = set(column)
    if type_name == "text" and not any(not v or v.isspace() for v in distinct):
        return column
    if len(distinct) * 4 <= len(column):
        mapping = {value: convert(value) for value in distinct}
        return list(map(mapping.__getitem__, column))
    return list(map(convert, column))


def load_file(db: DatastoreDB, resource_id: str, path: str, fmt: str) -> int:
    """Load a file into the resource's table, replacing it on success. Returns the rows."""
    table = Table(path, fmt, LOAD)
    fields = infer_fields(table)
    if not fields:
        raise Malformed("The file has no columns.", 1)
    staging = f"{resource_id}_new"
    with db.begin() as conn:
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{staging}"')
        db.create_table(conn, staging, fields, indexed=False)
        rows = db.insert(
            conn, staging, [f["id"] for f in fields], converted(table, fields, db.dialect)
        )
        old = db.info(conn, resource_id)
        _keep_descriptions(fields, old)
        primary_key = _keep_indexes(db, conn, resource_id, staging, fields, old)
        db.replace(conn, TableInfo(resource_id, fields, primary_key), staging)
    db.settle(resource_id)
    return rows


def _keep_indexes(
    db: DatastoreDB, conn: Any, resource_id: str, staging: str, fields: list, old: Any
) -> list[str]:
    """The indexes and primary key a department gave the table (datastore_create) survive a
    reload of its file, on the columns that are still there; a primary key the new rows
    repeat is dropped rather than failing the load. Returns the primary key kept."""
    if old is None:
        return []
    names = {f["id"] for f in fields}
    primary_key = old.primary_key if set(old.primary_key) <= names else []
    for columns, unique in db.user_indexes(conn, resource_id):
        if not set(columns) <= names:
            continue
        try:
            with conn.begin_nested():
                db.create_index(conn, staging, columns, unique=unique)
        except IntegrityError:
            log.warning("DataStore reload of %s: %s repeats, no longer unique", resource_id,
                        columns)  # fmt: skip
            if columns == primary_key:
                primary_key = []
    return primary_key


def _keep_descriptions(fields: list[dict[str, Any]], old: TableInfo | None) -> None:
    """The data dictionary's descriptions (`info`) of columns that are still there."""
    if old is None:
        return
    infos = {f["id"]: f.get("info") for f in old.fields if f.get("info")}
    for f in fields:
        if f["id"] in infos:
            f["info"] = infos[f["id"]]


def fetch_policy(app: Flask) -> FetchPolicy:
    settings = app.extensions["portal.settings"]
    return FetchPolicy.from_env(
        ALLOWED_HOSTS_SETTING, site_url=settings.site_url, max_bytes=LOAD.max_bytes, retries=1
    )


def spool(app: Flask, resource: dict[str, Any], target: Any) -> None:
    """Copy the resource's file (uploaded, or behind its link) into `target`."""
    if resource["storage_key"]:
        for chunk in app.extensions["portal.storage"].open(resource["storage_key"]):
            target.write(chunk)
        return
    with fetch(resource["url"], fetch_policy(app)) as result:
        for chunk in result.iter_content():
            target.write(chunk)


def _facts(resource: Resource) -> dict[str, Any]:
    return {"storage_key": resource.storage_key, "url": resource.url,
            "format": (resource.format or "").strip().upper()}  # fmt: skip


@task(name=TASK_NAME, retries=0)
def load_resource(resource_id: str, fingerprint: str) -> str:
    """Load a resource's file into the DataStore unless a newer load superseded this one.
    Returns what happened: done, error, superseded or gone."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    factory = app.extensions["portal.db"].factory
    with factory() as session:
        resource = session.get(Resource, resource_id)
        status = session.get(DatastoreStatus, resource_id)
        if resource is None or resource.state != "active" or status is None:
            return "gone"
        if status.fingerprint != fingerprint:
            return "superseded"
        facts = _facts(resource)
        _set(session, status, state=LOADING, started_at=utcnow(), error=None, error_row=None)
    started = time.monotonic()
    outcome: dict[str, Any] = {"state": DONE, "error": None, "error_row": None}
    handle, path = tempfile.mkstemp(prefix="datastore-", dir=str(app.instance_path))
    try:
        with os.fdopen(handle, "wb") as target:
            spool(app, facts, target)
        outcome["rows"] = load_file(open_datastore(app), resource_id, path, facts["format"])
    except Malformed as exc:
        outcome.update(state=ERROR, error=str(exc), error_row=exc.row)
    except (LimitExceeded, FetchError, OSError, DatastoreError) as exc:
        outcome.update(state=ERROR, error=str(exc))
    finally:
        os.unlink(path)
    with factory() as session:
        status = session.get(DatastoreStatus, resource_id)
        if status is None or status.fingerprint != fingerprint:
            return "superseded"
        resource = session.get(Resource, resource_id)
        if resource is not None and outcome["state"] == DONE:
            mark_active(resource, True)
        _set(session, status, finished_at=utcnow(), **outcome)
    log.info("DataStore load of %s: %s (%s rows) in %.2f s", resource_id, outcome["state"],
             outcome.get("rows"), time.monotonic() - started)  # fmt: skip
    return outcome["state"]


def _set(session: Any, status: DatastoreStatus, **values: Any) -> None:
    from portal.database import write_transaction

    with write_transaction(session):
        for key, value in values.items():
            setattr(status, key, value)

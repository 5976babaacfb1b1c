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
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.catalog.models import Resource
from portal.database import utcnow
from portal.datastore.engine import TableInfo, open_datastore
from portal.datastore.models import DONE, ERROR, LOADING, DatastoreStatus, mark_active
from portal.datastore.reading import LOAD, Malformed, Table, column_names
from portal.datastore.types import TEXTUAL, ConversionError, cell_converter, widen
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


def infer_fields(table: Table) -> list[dict[str, Any]]:
    """Fields named from the header, typed from every value of the file."""
    names = column_names(table.header())
    kinds: list[str | None] = [None] * len(names)
    for _number, cells in table.rows():
        for i, value in enumerate(cells[: len(names)]):
            kinds[i] = widen(kinds[i], value)
    return [{"id": n, "type": k or "text"} for n, k in zip(names, kinds, strict=True)]


def full_text(values: list[Any]) -> str:
    """The hidden `_full_text` value: the row's text columns through the portal's analyzer
    (one value at a time, cached: a column's values repeat down a large file)."""
    words = " ".join(_tokens(str(v)) for v in values if v is not None and v != "")
    return f" {' '.join(w for w in words.split() if len(w.encode()) <= MAX_TOKEN_BYTES)} "


@lru_cache(maxsize=65_536)
def _tokens(value: str) -> str:
    return index_text(value)


def converted(
    table: Table, fields: list[dict[str, Any]], dialect: str
) -> Iterator[tuple[Any, ...]]:
    converters = [cell_converter(f["type"], dialect) for f in fields]
    textual = [i for i, f in enumerate(fields) if f["type"] in TEXTUAL]
    for number, cells in table.rows():
        try:
            db_values = [convert(c) for convert, c in zip(converters, cells, strict=True)]
        except ConversionError as exc:
            raise Malformed(f"Row {number}: {exc}.", number) from None
        yield (full_text([db_values[i] for i in textual]), *db_values)


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

"""Dumps of a DataStore table (CSV with a UTF-8 BOM so Excel opens Chinese, TSV, JSON, XLSX),
streamed: rows are fetched in batches from a server-side cursor and written as they come."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from portal.datastore import query as q
from portal.datastore.engine import DatastoreDB
from portal.datastore.types import column_reader

BATCH = 2_000
# Stored as the csv module writes them (SQLite and psycopg give str, int and float).
PLAIN = {"text", "int", "bigint", "float"}
FORMATS = {"csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
           "json": "application/json",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


def _rows(db: DatastoreDB, search: q.Search) -> Iterator[list[Any]]:
    readers = [column_reader(search.types[n]) for n in search.columns]
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(q.rows_query(search))
        while batch := result.fetchmany(BATCH):
            for row in batch:
                yield [read(v) for read, v in zip(readers, row, strict=True)]


def _plain_batches(db: DatastoreDB, search: q.Search) -> Iterator[Sequence[Sequence[Any]]]:
    """Rows in batches for the csv module, which writes None as an empty cell: as the driver
    gives them, except the columns whose stored values need reading (numbers, dates, JSON)."""
    readers = [(i, _cell_reader(search.types[name])) for i, name in enumerate(search.columns)
               if search.types[name] not in PLAIN]  # fmt: skip
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(q.rows_query(search))
        while batch := result.fetchmany(BATCH):
            yield [_read(row, readers) for row in batch] if readers else batch


def _cell_reader(type_name: str) -> Any:
    read = column_reader(type_name)
    if type_name != "json":
        return read
    return lambda v: None if v is None else json.dumps(read(v), ensure_ascii=False)


def _read(row: Sequence[Any], readers: list[tuple[int, Any]]) -> list[Any]:
    values = list(row)
    for i, read in readers:
        values[i] = read(values[i])
    return values


def delimited(db: DatastoreDB, search: q.Search, delimiter: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(search.columns)
    yield (("\ufeff" if delimiter == "," else "") + buffer.getvalue()).encode()
    for batch in _plain_batches(db, search):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue().encode()


def as_json(db: DatastoreDB, search: q.Search) -> Iterator[bytes]:
    """CKAN's JSON dump: {"fields": [...], "records": [[...], ...]}."""
    fields = [{"id": n, "type": search.types[n]} for n in search.columns]
    yield ('{"fields": ' + json.dumps(fields, ensure_ascii=False) + ', "records": [').encode()
    for n, row in enumerate(_rows(db, search)):
        yield ((",\n" if n else "\n") + json.dumps(row, ensure_ascii=False, default=str)).encode()
    yield b"\n]}\n"


def as_xlsx(db: DatastoreDB, search: q.Search) -> Iterator[bytes]:
    """openpyxl's write-only workbook, spooled to a temporary file then streamed from it."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append(search.columns)
    for row in _rows(db, search):
        sheet.append([json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                      for v in row])  # fmt: skip
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(256 * 1024):
            yield chunk


def dump(db: DatastoreDB, search: q.Search, fmt: str) -> Iterator[bytes]:
    if fmt == "json":
        return as_json(db, search)
    if fmt == "xlsx":
        return as_xlsx(db, search)
    return delimited(db, search, "\t" if fmt == "tsv" else ",")

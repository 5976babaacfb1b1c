"""Masking a withheld table: a new version of the file with the chosen columns masked.

Per column one method: keep (the first 6 and last 4 characters kept, the rest `*`; inside a
sentence only the personal values are masked), hash (a keyed HMAC of the whole cell, the same
for the same value so the column still joins, not reversible without the portal's key) or
drop (the column is removed). Rows are streamed from the stored file to a temporary one and
never held in memory: a CSV/TSV keeps its encoding (GB18030, GBK, UTF-8 with or without BOM)
and delimiter; an XLSX workbook is written again from its first sheet (the one the screening,
the preview and the DataStore read).
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from portal.catalog.previews import preview_job
from portal.database import utcnow
from portal.datastore.reading import DELIMITED, EXCEL, LOAD, Malformed, Table
from portal.errors import ValidationError
from portal.files.limits import LimitExceeded
from portal.privacy.detectors import mask, mask_text
from portal.privacy.scan import cell_text
from portal.storage import FileTooLarge, resource_key

if TYPE_CHECKING:
    from portal.actions import Context
    from portal.catalog.models import Resource

KEEP, HASH, DROP = "keep", "hash", "drop"
METHODS = (KEEP, HASH, DROP)
MASKABLE = DELIMITED | EXCEL


def mask_key(secret_key: str) -> bytes:
    """The HMAC key of hash masking, derived from the portal's secret (stable across runs)."""
    return hashlib.sha256(b"portal.privacy.mask:" + secret_key.encode()).digest()


def mask_cell(value: Any, method: str, key: bytes) -> Any:
    text = cell_text(value) if not isinstance(value, str) else value
    if text is None or not text.strip():
        return value
    if method == HASH:
        return mask(text.strip(), "hash", key=key)
    masked = mask_text(text, severities=("block", "warn"))
    return masked if masked != text else mask(text.strip())


class MaskedTable:
    """The rows of a table file with `methods` (column index -> method) applied."""

    def __init__(self, path: str, fmt: str, methods: dict[int, str], key: bytes) -> None:
        self.table = Table(path, fmt, LOAD)
        self.fmt = fmt
        self.methods = methods
        self.key = key
        self.header, self.start = self.table._header_and_start()

    def rows(self) -> Iterator[list[Any]]:
        """Every row of the file, the lines before and at the header included (the header
        loses its dropped columns only)."""
        for number, cells in self.table.raw_rows():
            if number < self.start:
                yield cells
                continue
            yield self._apply(cells, masked=number > self.start)

    def _apply(self, cells: list[Any], masked: bool) -> list[Any]:
        out = []
        for index, value in enumerate(cells):
            method = self.methods.get(index)
            if method == DROP:
                continue
            out.append(mask_cell(value, method, self.key) if masked and method else value)
        return out


def write_masked(source: str, target: str, fmt: str, methods: dict[int, str], key: bytes) -> None:
    """Write the masked version of the table at `source` to `target`."""
    masked = MaskedTable(source, fmt, methods, key)
    if fmt in EXCEL:
        _write_workbook(masked, target)
        return
    table = masked.table
    # utf-8-sig writes the BOM again; gb18030 covers GBK files (a superset) byte for byte.
    with open(target, "w", encoding=table.encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=table.delimiter, lineterminator="\r\n")
        for row in masked.rows():
            writer.writerow(row)


def _write_workbook(masked: MaskedTable, target: str) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(masked.table._workbook.worksheets[0].title)
    for row in masked.rows():
        sheet.append(row)
    book.save(target)


def column_methods(header: list[str], asked: dict[str, str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> method from the caller's {header or index: method}; and the errors."""
    methods: dict[int, str] = {}
    errors = []
    for name, method in asked.items():
        if method not in METHODS:
            errors.append(f"{name}: choose keep, hash or drop.")
            continue
        if name in header:
            methods[header.index(name)] = method
        elif name.isdigit() and int(name) < len(header):
            methods[int(name)] = method
        else:
            errors.append(f"{name}: no such column in the file.")
    return methods, errors


def store_masked(context: Context, resource: Resource, fmt: str, asked: dict[str, str]) -> None:
    """Store the masked version of the resource's file under a new key and point the
    resource at it; the old file stays in storage, no longer served."""
    storage, folder = context.storage, str(context.app.instance_path)
    source = _spooled(storage, resource.storage_key, folder)
    target = tempfile.mkstemp(prefix="masked-", dir=folder)
    os.close(target[0])
    try:
        header = Table(source, fmt, LOAD).header()
        methods, errors = column_methods(header, asked)
        if errors:
            raise ValidationError({"columns": errors})
        write_masked(source, target[1], fmt, methods, mask_key(context.settings.secret_key))
        key = resource_key(resource.id, resource.url)
        with open(target[1], "rb") as handle:
            stored = storage.put(key, handle, context.settings.max_upload_bytes)
    except (Malformed, LimitExceeded, FileTooLarge) as exc:
        raise ValidationError({"id": [f"The file could not be masked: {exc}"]}) from None
    finally:
        os.unlink(source)
        os.unlink(target[1])
    context.on_rollback.append(lambda: storage.delete(key))
    resource.storage_key, resource.size = key, stored.size
    resource.hash, resource.last_modified = f"sha256:{stored.sha256}", utcnow()
    job = preview_job(context.app, resource)
    if job is not None:
        context.after_commit.append(job)


def _spooled(storage: Any, key: str | None, folder: str) -> str:
    handle, path = tempfile.mkstemp(prefix="unmasked-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in storage.open(key):
                out.write(chunk)
    except FileNotFoundError:
        os.unlink(path)
        raise ValidationError({"id": ["The file is not in storage any more."]}) from None
    return path

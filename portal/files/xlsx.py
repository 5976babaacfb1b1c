"""Reading XLSX workbooks within Limits.

openpyxl, even in read-only mode, loads every shared string at once and builds each row's XML
element with all its cells before handing the row over: a workbook with one 400 MB string or a
row of two million cells exhausts memory there. So the archive is checked before openpyxl opens
it: the sizes its directory declares (zipfile never inflates a member past its declared size,
so they are real bounds), their compression ratio, and a streaming scan of the shared strings
and worksheets that counts rows and cells per row and measures text runs without building any
XML tree.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from portal.files.limits import MB, Budget, LimitExceeded, Limits, check_cells

CHUNK = 256 * 1024
_DTD = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
# A row or a cell start tag, with or without a namespace prefix (<row, <x:c); not <col, <cols.
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])")
# Bytes one character may take in XML text: &#x10FFFF; is ten.
_BYTES_PER_CHAR = 10


class WorkbookError(Exception):
    """The file is not a readable workbook (not a zip, damaged, entity declarations)."""


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def check_workbook(data: bytes, limits: Limits, budget: Budget, stop_after: int | None) -> None:
    """Refuse a workbook that would expand past `limits` once opened. Worksheets are scanned
    up to `stop_after` rows (all rows when None)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookError(f"The file is not a readable XLSX workbook ({exc}).") from None
    with archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > limits.max_bytes:
            raise LimitExceeded(
                "bytes", f"The workbook is larger than {limits.max_bytes // MB} MB uncompressed."
            )
        for member in members:
            _check_member(member, limits)
        for member in members:
            name = member.filename.lower()
            if not name.endswith((".xml", ".rels")):
                continue
            try:
                with archive.open(member) as stream:
                    _scan(stream, name, limits, budget, stop_after)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError) as exc:
                raise WorkbookError(f"The workbook is damaged ({exc}).") from None


def _check_member(member: zipfile.ZipInfo, limits: Limits) -> None:
    name = member.filename.lower()
    if not _is_sheet(name) and member.file_size > limits.max_part_bytes:
        raise LimitExceeded(
            "bytes",
            f"The workbook part {member.filename} is larger than "
            f"{limits.max_part_bytes // MB} MB uncompressed.",
        )
    if member.file_size > MB and member.file_size > limits.max_ratio * max(member.compress_size, 1):
        raise LimitExceeded(
            "ratio",
            f"The workbook part {member.filename} is compressed more than "
            f"{limits.max_ratio} times: refused as a decompression bomb.",
        )


def _scan(
    stream: IO[bytes], name: str, limits: Limits, budget: Budget, stop_after: int | None
) -> None:
    """Stream one XML part: no entity declarations; for worksheets, rows and cells per row
    within limits; no text run (a string) longer than a cell may be."""
    head = stream.read(65536)
    probe = head
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        probe = head.decode("utf-16", errors="ignore").encode()
    if _DTD.search(probe):
        raise WorkbookError("The workbook contains XML entity declarations; refused.")
    if not (_is_sheet(name) or name.endswith("sharedstrings.xml")):
        return
    text_limit = limits.max_cell * _BYTES_PER_CHAR
    long_text = re.compile(rb"[^<]{%d}" % (text_limit + 1))
    sheet = _is_sheet(name)
    rows = cells = 0
    carry = b""
    chunk = head
    while chunk:
        buffer = carry + chunk
        # Keep everything from the last "<" (a tag, maybe unfinished, and the text after it)
        # for the next chunk: tags are never split, text runs are measured whole.
        cut = max(buffer.rfind(b"<"), 0)
        part, carry = buffer[:cut], buffer[cut:]
        if long_text.search(part) or len(carry) > text_limit + 1024:
            raise LimitExceeded(
                "cell", f"A cell of the workbook is longer than {limits.max_cell} characters."
            )
        if sheet:
            for match in _TAG.finditer(part):
                if match.group(1) == b"row":
                    rows += 1
                    cells = 0
                    if stop_after is not None and rows > stop_after:
                        return
                    if rows > limits.max_rows:
                        raise LimitExceeded(
                            "rows", f"The workbook has more than {limits.max_rows} rows."
                        )
                else:
                    cells += 1
                    if cells > limits.max_columns:
                        raise LimitExceeded(
                            "columns", f"Row {rows} has more than {limits.max_columns} cells."
                        )
        budget.check()
        chunk = stream.read(CHUNK)


def open_workbook(data: bytes, limits: Limits, budget: Budget, stop_after: int | None) -> Any:
    """An openpyxl read-only workbook, opened only after check_workbook passed."""
    from openpyxl import load_workbook

    check_workbook(data, limits, budget, stop_after)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise WorkbookError(f"The file is not a readable XLSX workbook ({exc}).") from None


def sheet_rows(
    sheet: Any, limits: Limits, budget: Budget, max_col: int | None = None
) -> Iterator[list[Any]]:
    """The rows of a worksheet as lists of values, each checked against `limits`. Rows the
    file skips come as empty lists and count too."""
    number = 0
    for values in sheet.iter_rows(values_only=True, max_col=max_col):
        number += 1
        if number > limits.max_rows:
            raise LimitExceeded("rows", f"The workbook has more than {limits.max_rows} rows.")
        cells = list(values)
        check_cells(cells, limits, number)
        budget.check()
        yield cells

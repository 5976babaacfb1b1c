"""A resource's file as rows for the loader: CSV/TSV (encoding, delimiter and header
detected), XLSX (first worksheet) and JSON lines, streamed within portal.files.limits.

`open_table(path, fmt)` gives a Table whose `rows()` can be iterated twice (the loader infers
types over the whole file first, then loads), each pass reading the file again from disk.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from typing import Any

from portal.files.limits import MB, Budget, LimitExceeded, Limits, check_cells
from portal.files.preview import decode_text
from portal.files.xlsx import WorkbookError, open_workbook, sheet_rows

#: A DataStore load reads every row of files much larger than a preview.
LOAD = Limits(max_bytes=2048 * MB, max_rows=20_000_000, seconds=3600.0, max_part_bytes=64 * MB)
#: openpyxl needs the whole workbook in memory (its zip directory is at the end).
MAX_XLSX_BYTES = 128 * MB
MAX_LINE = 4 * MB
DELIMITED = {"CSV", "TSV", "TXT", "TAB"}
JSON_LINES = {"JSONL", "NDJSON", "JSON LINES"}
EXCEL = {"XLSX", "XLSM"}
TABULAR = DELIMITED | JSON_LINES | EXCEL
HEAD_BYTES = 64 * 1024
_DELIMITERS = (",", "\t", ";", "|")


class Malformed(ValueError):
    """The file cannot be read as a table; `row` is the file's row (1 = the first line)."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


def is_tabular(fmt: str | None) -> bool:
    return (fmt or "").strip().upper() in TABULAR


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), GB18030 (which covers GBK and GB2312), Big5 or UTF-16."""
    encoding = decode_text(head, complete=False)[1]
    if encoding == "latin-1":
        raise Malformed("The file is not UTF-8, GB18030/GBK, Big5 or UTF-16 text.", 1)
    return encoding


def detect_delimiter(sample: str, fmt: str) -> str:
    """The delimiter whose count is the same on most of the first lines (TSV: a tab)."""
    if fmt in ("TSV", "TAB"):
        return "\t"
    lines = [line for line in sample.splitlines()[:50] if line.strip()][:-1] or sample.splitlines()
    best, score = ",", 0
    for delimiter in _DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        if not counts or counts[0] == 0:
            continue
        agree = sum(1 for c in counts if c == counts[0])
        if agree * 100 > score:
            best, score = delimiter, agree * 100 + counts[0]
    return best


class Table:
    """Rows of one file: `header()` then `rows()` yielding (file row number, cells)."""

    def __init__(self, path: str, fmt: str, limits: Limits = LOAD) -> None:
        self.path = path
        self.fmt = fmt
        self.limits = limits
        self.budget = Budget(limits.seconds)
        if os.path.getsize(path) > limits.max_bytes:
            raise LimitExceeded("bytes", f"The file is larger than {limits.max_bytes // MB} MB.")
        self.encoding = ""
        self.delimiter = ","
        self._keys: list[str] | None = None
        self._verified = False
        self._workbook: Any = None
        if fmt in DELIMITED:
            with open(path, "rb") as handle:
                head = handle.read(HEAD_BYTES)
            self.encoding = detect_encoding(head)
            sample = head.decode(self.encoding, errors="ignore")
            self.delimiter = detect_delimiter(sample, fmt)
        elif fmt in EXCEL:
            if os.path.getsize(path) > MAX_XLSX_BYTES:
                raise LimitExceeded(
                    "bytes", f"The workbook is larger than {MAX_XLSX_BYTES // MB} MB."
                )
            with open(path, "rb") as handle:
                data = handle.read()
            try:
                self._workbook = open_workbook(data, limits, self.budget, None)
            except WorkbookError as exc:
                raise Malformed(str(exc), None) from None

    def raw_rows(self) -> Iterator[tuple[int, list[Any]]]:
        if self.fmt in EXCEL:
            sheet = self._workbook.worksheets[0]
            yield from enumerate(sheet_rows(sheet, self.limits, self.budget), 1)
        elif self.fmt in JSON_LINES:
            yield from self._json_rows()
        else:
            yield from self._delimited_rows()

    def _lines(self) -> Iterator[str]:
        with open(self.path, encoding=self.encoding, newline="") as handle:
            number = 0
            try:
                for line in handle:
                    number += 1
                    if line.count(self.delimiter) >= self.limits.max_columns:
                        raise LimitExceeded(
                            "columns",
                            f"Line {number} has more than {self.limits.max_columns} columns.",
                        )
                    yield line
            except UnicodeDecodeError:
                raise Malformed(
                    f"Line {number + 1} is not valid {self.encoding} text.", number + 1
                ) from None

    def _delimited_rows(self) -> Iterator[tuple[int, list[Any]]]:
        reader = csv.reader(self._lines(), delimiter=self.delimiter)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                self._verified = True
                return
            except csv.Error as exc:
                raise Malformed(f"Row {number + 1} is not valid CSV ({exc}).", number + 1) from None
            number += 1
            self._check(cells, number)
            yield number, cells

    def _check(self, cells: list[Any], number: int) -> None:
        if self._verified:  # an earlier full pass checked every row of this same file
            if number % 1000 == 0:
                self.budget.check()
            return
        if number > self.limits.max_rows:
            raise LimitExceeded("rows", f"The file has more than {self.limits.max_rows} rows.")
        check_cells(cells, self.limits, number)
        if number % 1000 == 0:
            self.budget.check()

    def _json_rows(self) -> Iterator[tuple[int, list[Any]]]:
        keys = self.header()
        for number, record in self._records():
            yield number, [record.get(key) for key in keys]

    def _records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with open(self.path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                if len(line) > MAX_LINE:
                    raise LimitExceeded(
                        "cell", f"Line {number} is longer than {MAX_LINE // MB} MB."
                    )
                if not line.strip():
                    continue
                try:
                    record = json.loads(line.decode("utf-8-sig"))
                except (ValueError, UnicodeDecodeError):
                    raise Malformed(f"Line {number} is not a JSON object.", number) from None
                if not isinstance(record, dict):
                    raise Malformed(f"Line {number} is not a JSON object.", number)
                self._check(list(record.values()), number)
                yield number, record
        self._verified = True

    def header(self) -> list[str]:
        """The column names: a JSON-lines file's keys in order of appearance; a sheet's or
        CSV's first non-empty row when it looks like names, else column_1, column_2, ..."""
        if self.fmt in JSON_LINES:
            if self._keys is None:
                seen: dict[str, None] = {}
                for _number, record in self._records():
                    for key in record:
                        seen.setdefault(str(key), None)
                self._keys = list(seen)
            return self._keys
        return self._header_and_start()[0]

    def _header_and_start(self) -> tuple[list[str], int]:
        for number, cells in self.raw_rows():
            if any(not _blank(c) for c in cells):
                if _looks_like_names(cells):
                    return [str(c).strip() if not _blank(c) else "" for c in cells], number
                return [f"column_{i}" for i in range(1, len(cells) + 1)], number - 1
        return [], 0

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows after the header, each as long as the header; blank rows skipped; a row
        with more non-empty cells than the header is Malformed."""
        if self.fmt in JSON_LINES:
            yield from self._json_rows()
            return
        header, start = self._header_and_start()
        width = len(header)
        for number, cells in self.raw_rows():
            if number <= start or _blank_row(cells):
                continue
            if len(cells) > width:
                if any(not _blank(c) for c in cells[width:]):
                    raise Malformed(
                        f"Row {number} has {len(cells)} cells but the header has {width}.", number
                    )
                cells = cells[:width]
            elif len(cells) < width:
                cells = [*cells, *([None] * (width - len(cells)))]
            yield number, cells


def _blank_row(cells: list[Any]) -> bool:
    try:  # a row of text (a CSV's) at C speed
        return not "".join(cells).strip()
    except TypeError:
        return all(_blank(c) for c in cells)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _looks_like_names(cells: list[Any]) -> bool:
    from portal.datastore.types import widen

    filled = [c for c in cells if not _blank(c)]
    return all(isinstance(c, str) and widen(None, c) == "text" for c in filled)


def column_names(header: list[str]) -> list[str]:
    """Header cells as valid, unique field names (see portal.datastore.engine.check_field)."""
    names: list[str] = []
    for position, cell in enumerate(header, 1):
        name = "".join(ch for ch in str(cell) if ch >= " " and ch not in '"\x7f').strip()
        name = name.lstrip("_ ").strip()[:60].strip() or f"column_{position}"
        base, n = name, 2
        while name in names:
            name = f"{base[:56]}_{n}"
            n += 1
        names.append(name)
    return names

"""Bounds for parsing files that users upload or harvest sources serve.

A small file can expand enormously: a 511 KB XLSX held one 400 MB shared string and a row of
2 million cells. Every parser checks these bounds while reading, before the expanded data
exists in memory, and raises LimitExceeded (a readable refusal) instead of running out of time
or memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

MB = 1024 * 1024
#: Excel's own bounds: a workbook with more cannot come from a spreadsheet program.
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL = 32_767


@dataclass(frozen=True)
class Limits:
    """What one parse may consume. `max_bytes` counts bytes after decompression (a zip's
    members together, a text file's bytes); `max_columns` is cells in one row; `max_cell` is
    characters in one cell; `seconds` is wall-clock time spent parsing."""

    max_bytes: int
    max_rows: int
    max_columns: int = EXCEL_MAX_COLUMNS
    max_cell: int = EXCEL_MAX_CELL
    seconds: float = 10.0
    #: One XML part other than a worksheet (sharedStrings.xml, styles.xml): read whole by
    #: openpyxl, so it is capped on its own.
    max_part_bytes: int = 16 * MB
    #: Uncompressed / compressed size of one zip member larger than a megabyte.
    max_ratio: int = 200
    #: Nesting of JSON arrays and objects.
    max_depth: int = 64


#: The resource preview: reads only the first rows, so everything is small.
PREVIEW = Limits(max_bytes=64 * MB, max_rows=1_000, seconds=10.0)
#: A harvested catalog spreadsheet: every row is read.
HARVEST = Limits(max_bytes=256 * MB, max_rows=100_000, seconds=120.0, max_part_bytes=64 * MB)


class LimitExceeded(Exception):
    """The file exceeds a bound. `limit` names it: bytes, rows, columns, cell, time, depth or
    ratio."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


class Budget:
    """Wall-clock time a parse may spend. `check()` is called between units of work (a row,
    a chunk); time spent by the caller between rows (importing a harvested row) is not
    charged when the rows are read through `rows()`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0
        self._started = time.monotonic()

    def check(self) -> None:
        if self.spent + (time.monotonic() - self._started) > self.seconds:
            raise LimitExceeded("time", f"Reading the file took longer than {self.seconds:g} s.")

    def rows(self, iterator: Iterator[T]) -> Iterator[T]:
        """Iterate, charging only the time spent inside the iterator."""
        self.spent += time.monotonic() - self._started
        while True:
            self._started = time.monotonic()
            try:
                item = next(iterator)
            except StopIteration:
                return
            self.check()
            self.spent += time.monotonic() - self._started
            yield item


def check_cells(cells: list[object], limits: Limits, row: int) -> None:
    """Refuse a row with too many cells or a cell that is too long."""
    if len(cells) > limits.max_columns:
        raise LimitExceeded("columns", f"Row {row} has more than {limits.max_columns} columns.")
    try:  # a row of text (a CSV's) at C speed
        if max(map(len, cells), default=0) <= limits.max_cell:  # type: ignore[arg-type]
            return
    except TypeError:
        pass
    for cell in cells:
        if isinstance(cell, str) and len(cell) > limits.max_cell:
            raise LimitExceeded(
                "cell", f"A cell in row {row} is longer than {limits.max_cell} characters."
            )

"""Reading delimited text (CSV, TSV) within Limits.

csv.field_size_limit is process-wide (the worker's threads share it), so it is left at its
default of 131,072 characters, which bounds a field while it is parsed; the text itself is
bounded by `max_bytes`, each physical line's delimiters by `max_columns` before the csv module
builds the row, and every parsed row is checked with check_cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from portal.files.limits import MB, Budget, LimitExceeded, Limits, check_cells


def check_size(data: bytes | str, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise LimitExceeded("bytes", f"The file is larger than {limits.max_bytes // MB} MB.")


def _lines(text: str, delimiter: str, limits: Limits) -> Iterator[str]:
    for number, line in enumerate(io.StringIO(text, newline=""), 1):
        # A line of a million delimiters would become a million-cell row inside csv.reader.
        if line.count(delimiter) >= limits.max_columns:
            raise LimitExceeded(
                "columns", f"Line {number} has more than {limits.max_columns} columns."
            )
        yield line


def delimited_rows(
    text: str, delimiter: str, limits: Limits, budget: Budget, stop_after: int | None = None
) -> Iterator[list[str]]:
    """The rows of `text`, at most `stop_after` of them; more than `limits.max_rows` rows,
    too many columns or too long a cell raise LimitExceeded, bad quoting csv.Error."""
    check_size(text, limits)
    reader = csv.reader(_lines(text, delimiter, limits), delimiter=delimiter)
    number = 0
    while stop_after is None or number < stop_after:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise LimitExceeded(
                    "cell",
                    f"A cell near line {reader.line_num} is longer than "
                    f"{limits.max_cell} characters.",
                ) from None
            raise
        number += 1
        if number > limits.max_rows:
            raise LimitExceeded("rows", f"The file has more than {limits.max_rows} rows.")
        check_cells(cells, limits, number)
        budget.check()
        yield cells

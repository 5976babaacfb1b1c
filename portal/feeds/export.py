"""The catalog as a spreadsheet in the cn-gov column layout (portal.feeds.catalog_layout):
CSV streamed row by row (UTF-8 with a BOM so Excel reads the Chinese, or GB18030), and XLSX
written with openpyxl's write-only mode to a temporary file."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from portal.feeds.catalog_layout import COLUMNS, HEADERS, row_from_dataset

if TYPE_CHECKING:  # openpyxl is imported by the XLSX export only
    from openpyxl.styles import Alignment

ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "gb18030": "gb18030", "gbk": "gb18030"}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "政务信息资源目录"
#: Column widths (characters) for the sheet; long text columns are wider.
WIDTHS = {"信息资源名称": 40, "信息资源摘要": 60, "信息项": 60, "共享条件": 30, "开放条件": 30}


def csv_chunks(datasets: Iterable[dict[str, Any]], encoding: str = "utf-8") -> Iterator[bytes]:
    """The CSV in encoded chunks of about 100 rows; UTF-8 starts with a byte order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    prefix = "\ufeff" if encoding == "utf-8" else ""
    rows = 0
    for dataset in datasets:
        row = row_from_dataset(dataset)
        writer.writerow([row[header] for header in HEADERS])
        rows += 1
        if rows % 100 == 0:
            yield _encode(prefix + buffer.getvalue(), encoding)
            prefix = ""
            buffer.seek(0)
            buffer.truncate()
    yield _encode(prefix + buffer.getvalue(), encoding)


def _encode(text: str, encoding: str) -> bytes:
    # GB18030 encodes every Unicode character, so "replace" is only a guard.
    return text.encode(encoding, errors="replace")


def write_xlsx(datasets: Iterable[dict[str, Any]], target: IO[bytes]) -> int:
    """Write the workbook to `target`; returns the number of dataset rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    for index, header in enumerate(HEADERS):
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(header, 16)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in HEADERS:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    wrap = Alignment(wrap_text=False, vertical="top")
    count = 0
    for dataset in datasets:
        row = row_from_dataset(dataset)
        sheet.append(
            [_cell(WriteOnlyCell(sheet), kind, row[header], wrap) for header, _f, kind in COLUMNS]
        )
        count += 1
    book.save(target)
    return count


def _cell(cell: Any, kind: str, text: str, alignment: Alignment) -> Any:
    """Fill an empty write-only cell: a date cell for dates, a text cell otherwise."""
    if kind == "date" and text:
        try:
            cell.value = date.fromisoformat(text)
            cell.number_format = "yyyy-mm-dd"
            return cell
        except ValueError:
            pass
    # Text cells stay text: a resource code such as 1010010001/000123 or a credit code must not
    # turn into a number or a date in Excel.
    cell.value = text
    cell.number_format = "@"
    cell.alignment = alignment
    return cell


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xlsx_file(datasets: Iterable[dict[str, Any]]) -> IO[bytes]:
    """The workbook in a temporary file (spooled in memory up to 8 MB), rewound for reading."""
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_xlsx(datasets, target)
    target.seek(0)
    return target

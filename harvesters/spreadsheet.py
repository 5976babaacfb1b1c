"""Reading a government information resource catalog spreadsheet (政务信息资源目录, the
cn-gov profile) row by row: CSV (UTF-8 with or without BOM, GB18030/GBK, UTF-16) or XLSX.

The column layout is the portal's own export layout, `portal.feeds.catalog_layout` (the
same module turns a row back into a cn-gov package dict), so a department can fill in the file
the portal exports and import it back. This module adds what a file import needs on top:
encodings and delimiters, finding the header row, tolerant header matching (spaces, full-width
characters, required-field asterisks), Excel date cells, and per-row errors for values that
cannot even be mapped (an unknown choice label, a bad date). Validation against the profile
proper happens later, in package_create.

    for row in parse_spreadsheet(content, "catalog.xlsx"):
        row.row, row.remote_id, row.dataset, row.errors
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from harvesters.errors import ParseError
from portal.feeds.catalog_layout import COLUMNS, dataset_from_row
from portal.files.delimited import check_size, delimited_rows
from portal.files.limits import HARVEST, Budget, LimitExceeded
from portal.files.xlsx import WorkbookError, open_workbook, sheet_rows
from schemas.profiles import Field, profiles

PROFILE = "cn-gov"
#: The sheet read from a workbook when present; else the first sheet.
SHEET_NAME = "信息资源目录"
#: How many rows may precede the header row (a title row, notes).
HEADER_SEARCH_ROWS = 20
#: Bounds on bytes after decompression, rows, columns, cell length and parse time, shared with
#: the previews (portal.files.limits): checked before openpyxl or csv builds anything, so a
#: bomb is a harvest error, not a hang.
LIMITS = HARVEST
DELIMITERS = (",", "\t", ";")

ORGANIZATION = "organization"
ORGANIZATION_CODE = "organization_code"

#: More headers seen in real catalogs, for columns of the layout.
EXTRA_ALIASES = {
    "关键字": "标签",
    "关键词": "标签",
    "信息资源分类代码": "分类代码",
    "信息项信息": "信息项",
    "资源提供方": "信息资源提供方",
    "提供方": "信息资源提供方",
    "提供方代码": "信息资源提供方代码",
    "信息资源提供方统一社会信用代码": "信息资源提供方代码",
    "资源名称": "信息资源名称",
    "资源代码": "信息资源代码",
    "资源摘要": "信息资源摘要",
}


@dataclass
class SheetRow:
    """One data row: its spreadsheet row number (the header is row 1 in the usual layout),
    the remote id (信息资源代码, else 数据集标识), the cn-gov package dict and the values that
    could not be mapped, by field name."""

    row: int
    remote_id: str | None
    dataset: dict[str, Any] | None
    errors: dict[str, list[str]] = field(default_factory=dict)


# --- headers ----------------------------------------------------------------------------------


def _key(text: Any) -> str:
    """A header as compared: NFKC (full-width to ASCII), no spaces or asterisks, no trailing
    note in brackets (信息资源名称（必填）), lower case."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"[\s*]", "", value)
    value = re.sub(r"[(\[【][^()\[\]【】]*[)\]】]$", "", value)
    return value.rstrip(":").lower()


def _profile_field(name: str) -> Field | None:
    return profiles()[PROFILE].field(name)


def _aliases() -> dict[str, str]:
    """Every accepted header (as compared) -> the layout's header for that column."""
    found: dict[str, str] = {}
    for header, name, _kind in COLUMNS:
        names = [header, name]
        item = _profile_field(name)
        if item is not None:
            names += [item.cn or "", item.label.get("zh", ""), item.label.get("en", "")]
        for alias in names:
            if alias:
                found.setdefault(_key(alias), header)
    for alias, header in EXTRA_ALIASES.items():
        found.setdefault(_key(alias), header)
    return found


_HEADER_FIELDS = {header: (name, kind) for header, name, kind in COLUMNS}


@dataclass
class _Table:
    header_row: int
    headers: list[str | None]  # the layout header of each column, None when unknown
    unknown: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    close: Any = None


def _header_row(rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[str | None], list[str]]:
    aliases = _aliases()
    for number, cells in rows:
        if number > HEADER_SEARCH_ROWS:
            break
        mapped = [aliases.get(_key(cell)) if not _blank(cell) else None for cell in cells]
        known = [h for h in mapped if h]
        if len(set(known)) >= 2 or "信息资源名称" in known:
            headers: list[str | None] = []
            unknown: list[str] = []
            for cell, header in zip(cells, mapped, strict=True):
                if header is not None and header in headers:
                    header = None  # a repeated column: the first one counts
                    unknown.append(str(cell).strip())
                elif header is None and not _blank(cell):
                    unknown.append(str(cell).strip())
                headers.append(header)
            return number, headers, unknown
    raise ParseError(
        "No header row found: the first rows should name the catalog columns "
        "(信息资源名称, 信息资源代码, 共享类型, ...)."
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- CSV --------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise ParseError(
        "The file is not a readable CSV text: it is neither UTF-8 nor GB18030 (GBK) text."
    )


def _delimiter(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in DELIMITERS}
            best = max(DELIMITERS, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def _too_large(exc: LimitExceeded) -> ParseError:
    return ParseError(f"The file is too large to import: {exc}")


def _csv_rows(text: str, delimiter: str, budget: Budget) -> Iterator[tuple[int, list[Any]]]:
    rows = budget.rows(delimited_rows(text, delimiter, LIMITS, budget))
    number = 0
    try:
        for cells in rows:
            number += 1
            yield number, cells
    except LimitExceeded as exc:
        raise _too_large(exc) from None
    except csv.Error as exc:
        raise ParseError(f"Invalid CSV after line {number}: {exc}.") from None


def _open_csv(content: bytes) -> _Table:
    try:
        check_size(content, LIMITS)
    except LimitExceeded as exc:
        raise _too_large(exc) from None
    text = _decode(content)
    delimiter = _delimiter(text)
    rows = _csv_rows(text, delimiter, Budget(LIMITS.seconds))
    header_row, headers, unknown = _header_row(rows)
    return _Table(header_row, headers, unknown, rows)


# --- XLSX -------------------------------------------------------------------------------------


def _open_xlsx(content: bytes) -> _Table:
    budget = Budget(LIMITS.seconds)
    try:
        workbook = open_workbook(content, LIMITS, budget, stop_after=None)
    except LimitExceeded as exc:
        raise _too_large(exc) from None
    except WorkbookError as exc:
        raise ParseError(str(exc)) from None
    try:
        names = workbook.sheetnames
        sheet = workbook[SHEET_NAME] if SHEET_NAME in names else workbook.worksheets[0]
    except (IndexError, KeyError) as exc:
        workbook.close()
        raise ParseError(f"The workbook has no readable sheet ({exc}).") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from enumerate(budget.rows(sheet_rows(sheet, LIMITS, budget)), 1)
        except ParseError:
            raise
        except LimitExceeded as exc:
            raise _too_large(exc) from None
        except Exception as exc:
            raise ParseError(f"The workbook could not be read ({exc}).") from None

    iterator = rows()
    try:
        header_row, headers, unknown = _header_row(iterator)
    except BaseException:
        workbook.close()
        raise
    return _Table(header_row, headers, unknown, iterator, workbook.close)


# --- opening ----------------------------------------------------------------------------------


def _open(content: bytes, filename: str) -> _Table:
    if not content:
        raise ParseError("The file is empty.")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if content.startswith(b"\xd0\xcf\x11\xe0") or extension == "xls":
        raise ParseError(
            "Old Excel 97-2003 (.xls) workbooks are not supported; save the file as .xlsx or CSV."
        )
    if content.startswith(b"PK\x03\x04") or extension in ("xlsx", "xlsm"):
        return _open_xlsx(content)
    return _open_csv(content)


def unknown_headers(content: bytes, filename: str) -> list[str]:
    """The headers of the file that match no catalog column (those columns are ignored)."""
    table = _open(content, filename)
    if table.close:
        table.close()
    return table.unknown


def parse_spreadsheet(content: bytes, filename: str) -> Iterator[SheetRow]:
    """The data rows of a catalog spreadsheet; blank rows are skipped.

    The file is opened and its header row found before this returns, so an unreadable file
    raises ParseError here; a damaged row further down raises ParseError while iterating.
    """
    table = _open(content, filename)
    return _iterate(table)


def _iterate(table: _Table) -> Iterator[SheetRow]:
    try:
        for number, cells in table.rows:
            if all(_blank(c) for c in cells):
                continue
            yield _row(number, table.headers, cells)
    finally:
        if table.close:
            table.close()


# --- one row ----------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _excel_date(value: Any) -> Any:
    """A number in a date column is an Excel serial day (a date cell without date format)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 2958466:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value)
    return value


def _row(number: int, headers: list[str | None], cells: list[Any]) -> SheetRow:
    values: dict[str, Any] = {}
    for header, cell in zip(headers, cells, strict=False):
        if header is None or _blank(cell) or header in values:
            continue
        kind = _HEADER_FIELDS[header][1]
        values[header] = _excel_date(cell) if kind == "date" else cell
    organization = {
        "name": _text(values.pop(_header_for(ORGANIZATION), None)),
        "code": _text(values.pop(_header_for(ORGANIZATION_CODE), None)),
    }
    errors: dict[str, list[str]] = {}
    if not values and not any(organization.values()):
        # Only columns the catalog does not know are filled in (a note under the table?).
        errors["row"] = ["No catalog column of this row has a value."]
        return SheetRow(row=number, remote_id=None, dataset=None, errors=errors)
    dataset = dataset_from_row(values)
    dataset.pop("owner_org", None)
    _check(dataset, errors)
    dataset["publisher"] = organization if any(organization.values()) else None
    remote_id = dataset.get("resource_code") or dataset.get("name") or None
    return SheetRow(row=number, remote_id=remote_id, dataset=dataset, errors=errors)


def _header_for(name: str) -> str:
    return next(header for header, field_name, _kind in COLUMNS if field_name == name)


def _labels(item: Field) -> str:
    return "、".join(c.label.get("zh", c.value) for c in item.choices)


def _check(dataset: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Drop the values that could not be mapped, reporting each under its field name."""
    for header, name, kind in COLUMNS:
        if name not in dataset:
            continue
        value = dataset[name]
        item = _profile_field(name)
        if kind == "choice" and item is not None and item.choice(str(value)) is None:
            errors.setdefault(name, []).append(
                f"Unknown value “{value}” in {header}; use one of: {_labels(item)}."
            )
            del dataset[name]
        elif kind == "choices" and item is not None:
            bad = [v for v in value if item.choice(str(v)) is None]
            if bad:
                errors.setdefault(name, []).append(
                    f"Unknown value “{'、'.join(map(str, bad))}” in {header}; "
                    f"use one of: {_labels(item)}."
                )
                dataset[name] = [v for v in value if v not in bad]
                if not dataset[name]:
                    del dataset[name]
        elif kind == "date" and not _iso_date(value):
            errors.setdefault(name, []).append(
                f"“{value}” in {header} is not a date; write it as 2024-01-05, 2024/1/5 "
                "or 2024年1月5日."
            )
            del dataset[name]
        elif kind == "items" and item is not None:
            problems = _item_problems(item, value)
            if problems:
                errors.setdefault(name, []).extend(problems)
                del dataset[name]


def _iso_date(value: Any) -> bool:
    if isinstance(value, (date, datetime)):
        return True
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _item_problems(item: Field, entries: list[dict[str, Any]]) -> list[str]:
    type_field = next((f for f in item.item_fields if f.name == "type"), None)
    problems = []
    for position, entry in enumerate(entries, 1):
        where = f"信息项 {position} ({entry.get('name') or '?'})"
        if not entry.get("name"):
            problems.append(f"{where}: the item has no name.")
        code = entry.get("type")
        if code is not None and type_field is not None and type_field.choice(str(code)) is None:
            problems.append(f"{where}: unknown type “{code}”; use one of: {_labels(type_field)}.")
        length = entry.get("length")
        if length is not None and not (isinstance(length, int) and length >= 0):
            problems.append(f"{where}: the length “{length}” is not a whole number.")
    return problems

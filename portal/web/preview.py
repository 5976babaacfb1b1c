"""Previews of uploaded files on the resource page: the first rows of a CSV or XLSX table,
pretty-printed JSON, or an inline image. Only files in portal storage are read (never remote
URLs), at most MAX_BYTES of them."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 1024 * 1024
MAX_ROWS = 100
MAX_COLUMNS = 50
MAX_CELL = 500
TABLE_FORMATS = {"CSV", "TSV", "TXT"}
EXCEL_FORMATS = {"XLSX", "XLSM"}
JSON_FORMATS = {"JSON", "GEOJSON"}
IMAGE_FORMATS = {"PNG", "JPG", "JPEG", "GIF", "WEBP", "SVG"}


@dataclass
class Preview:
    kind: str  # table, json, image, none
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    text: str = ""
    encoding: str = ""
    truncated: bool = False
    reason: str = ""  # why there is no preview: "remote", "format", "missing", "error"


def read_head(storage: Any, key: str, limit: int = MAX_BYTES) -> tuple[bytes, bool]:
    """The first `limit` bytes of a stored file, and whether there was more."""
    chunks = storage.open(key)
    buffer = bytearray()
    more = False
    try:
        for chunk in chunks:
            buffer.extend(chunk)
            if len(buffer) > limit:
                more = True
                break
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return bytes(buffer[:limit]), more


def decode_text(data: bytes, complete: bool = True) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312), else Latin-1.
    A multi-byte character cut at the end of a partial read is dropped."""
    for encoding in ("utf-8-sig", "gb18030"):
        for trim in (0,) if complete else (0, 1, 2, 3):
            try:
                return data[: len(data) - trim].decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    return data.decode("latin-1"), "latin-1"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def table_from_text(text: str, fmt: str, truncated: bool) -> Preview:
    lines = text.splitlines(keepends=True)
    if truncated and lines and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]  # a row cut in the middle by the byte limit
    sample = "".join(lines[:20])
    delimiter = "\t" if fmt == "TSV" else ","
    if fmt != "TSV":
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            pass
    reader = csv.reader(io.StringIO("".join(lines)), delimiter=delimiter)
    rows: list[list[str]] = []
    more = truncated
    for row in reader:
        if len(rows) > MAX_ROWS:
            more = True
            break
        rows.append([_cell(c) for c in row[:MAX_COLUMNS]])
    if not rows:
        return Preview("none", reason="empty")
    header, body = rows[0], rows[1 : MAX_ROWS + 1]
    more = more or len(rows) > MAX_ROWS + 1
    return Preview("table", header=header, rows=body, truncated=more)


def xlsx_preview(data: bytes) -> Preview:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        more = False
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_ROWS:
                more = True
                break
            rows.append([_cell(c) for c in row[:MAX_COLUMNS]])
    finally:
        workbook.close()
    if not rows:
        return Preview("none", reason="empty")
    return Preview("table", header=rows[0], rows=rows[1:], truncated=more)


def build_preview(storage: Any, resource: dict[str, Any], storage_key: str | None) -> Preview:
    """A preview for a resource dict (from resource_show) and its model's storage key."""
    fmt = (resource.get("format") or "").strip().upper()
    mimetype = (resource.get("mimetype") or "").lower()
    if fmt in IMAGE_FORMATS or mimetype.startswith("image/"):
        # The browser loads the image from the download route (or the remote URL) itself.
        return Preview("image")
    if resource.get("url_type") != "upload" or not storage_key:
        return Preview("none", reason="remote")
    is_table = fmt in TABLE_FORMATS or mimetype in ("text/csv", "text/tab-separated-values")
    is_excel = fmt in EXCEL_FORMATS
    is_json = fmt in JSON_FORMATS or mimetype == "application/json"
    if not (is_table or is_excel or is_json):
        return Preview("none", reason="format")
    try:
        if is_excel:
            # XLSX is a zip whose directory is at the end: the whole file is needed, so only
            # files up to a few MB are previewed.
            data, more = read_head(storage, storage_key, 8 * MAX_BYTES)
            if more:
                return Preview("none", reason="large")
            return xlsx_preview(data)
        data, more = read_head(storage, storage_key)
        text, encoding = decode_text(data, complete=not more)
        if is_json:
            if more:
                return Preview("none", reason="large")
            pretty = json.dumps(json.loads(text), ensure_ascii=False, indent=2)
            cut = len(pretty) > 200_000
            return Preview("json", text=pretty[:200_000], encoding=encoding, truncated=cut)
        preview = table_from_text(text, fmt, more)
        preview.encoding = encoding
        return preview
    except FileNotFoundError:
        return Preview("none", reason="missing")
    except Exception:  # a malformed file gets no preview, never an error page
        return Preview("none", reason="error")

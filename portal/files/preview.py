"""Previews of uploaded files: the first rows of a CSV or XLSX table, pretty-printed JSON, or
an inline image. Only files in portal storage are read (never remote URLs), at most a few MB of
them, and every parser runs within limits.PREVIEW: a file that would expand past them gets the
reason "large", quickly and in bounded memory.

A preview is a plain dict (JSON-ready: it is cached by the preview job) with the keys of
Preview. Building one reads and parses the file, so pages never call this: the background job
does (portal.catalog.previews) and pages read its cached result.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from portal.files.delimited import delimited_rows
from portal.files.jsondoc import load_json
from portal.files.limits import MB, PREVIEW, Budget, LimitExceeded, Limits
from portal.files.xlsx import open_workbook, sheet_rows

MAX_BYTES = MB  # CSV and JSON: the head of the file
MAX_XLSX_BYTES = 8 * MB  # a zip's directory is at its end: the whole file is read
MAX_ROWS = 100
MAX_COLUMNS = 50
MAX_CELL = 500
MAX_JSON_TEXT = 200_000
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
    # Why there is no preview: remote, format, missing, error, empty, large (a limit).
    reason: str = ""
    detail: str = ""  # which limit, in English, for the API and the logs

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    """UTF-16 with a BOM (Excel's "Unicode text"), UTF-8 (with or without BOM), GB18030 (a
    superset of GBK and GB2312) or Big5, else Latin-1. A multi-byte character cut at the end
    of a partial read is dropped."""
    candidates = ["utf-8-sig", "gb18030", "big5"]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    decoded: dict[str, str] = {}
    for encoding in candidates:
        for trim in (0,) if complete else (0, 1, 2, 3):
            try:
                decoded[encoding] = data[: len(data) - trim].decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if encoding in decoded and encoding != "gb18030":
            break
    if "big5" in decoded and "gb18030" in decoded:
        # Big5 bytes nearly always decode as GB18030 too, into rare characters and kana; the
        # encoding under which the text reads as common characters is the file's.
        if _common_share(decoded["big5"], _big5_common) > _common_share(
            decoded["gb18030"], _gb_common
        ):
            return decoded["big5"], "big5"
        return decoded["gb18030"], "gb18030"
    for encoding, text in decoded.items():
        return text, encoding
    return data.decode("latin-1"), "latin-1"


def _gb_common(char: str) -> bool:
    # GB2312's first level: the 3,755 most used simplified characters.
    try:
        return 0xB0 <= char.encode("gb2312")[0] <= 0xD7
    except UnicodeEncodeError:
        return False


def _big5_common(char: str) -> bool:
    # Big5's frequently used characters (常用字, lead bytes A4 to C6).
    try:
        return 0xA4 <= char.encode("big5")[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def _common_share(text: str, common: Any) -> float:
    """The share of the first 2,000 non-ASCII letters that `common` counts as everyday Chinese."""
    letters = [c for c in text[:20000] if ord(c) > 0x7F and c.isalpha()][:2000]
    if not letters:
        return 0.0
    return sum(1 for c in letters if common(c)) / len(letters)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _shown(cells: list[Any]) -> list[str]:
    return [_cell(c) for c in cells[:MAX_COLUMNS]]


def table_from_text(text: str, fmt: str, truncated: bool, limits: Limits = PREVIEW) -> Preview:
    lines = text.splitlines(keepends=True)
    if truncated and lines and not lines[-1].endswith(("\n", "\r")):
        if len(lines) == 1:
            raise LimitExceeded("cell", f"The first line is longer than {MAX_BYTES // MB} MB.")
        lines = lines[:-1]  # a row cut in the middle by the byte limit
    sample = "".join(lines[:20])[:65536]
    delimiter = "\t" if fmt == "TSV" else ","
    if fmt != "TSV":
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            pass
    rows = [
        _shown(cells)
        for cells in delimited_rows(
            "".join(lines), delimiter, limits, Budget(limits.seconds), MAX_ROWS + 2
        )
    ]
    if not rows:
        return Preview("none", reason="empty")
    header, body = rows[0], rows[1 : MAX_ROWS + 1]
    return Preview(
        "table", header=header, rows=body, truncated=truncated or len(rows) > MAX_ROWS + 1
    )


def xlsx_preview(data: bytes, limits: Limits = PREVIEW) -> Preview:
    budget = Budget(limits.seconds)
    workbook = open_workbook(data, limits, budget, stop_after=MAX_ROWS + 2)
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        more = False
        for cells in sheet_rows(sheet, limits, budget, max_col=MAX_COLUMNS):
            if len(rows) > MAX_ROWS:
                more = True
                break
            rows.append(_shown(cells))
    finally:
        workbook.close()
    if not rows:
        return Preview("none", reason="empty")
    return Preview("table", header=rows[0], rows=rows[1:], truncated=more)


def json_preview(text: str, encoding: str, limits: Limits = PREVIEW) -> Preview:
    pretty = json.dumps(
        load_json(text, limits, Budget(limits.seconds)), ensure_ascii=False, indent=2
    )
    cut = len(pretty) > MAX_JSON_TEXT
    return Preview("json", text=pretty[:MAX_JSON_TEXT], encoding=encoding, truncated=cut)


def static_preview(resource: dict[str, Any]) -> Preview | None:
    """The preview of a resource that needs no reading of its file (an image the browser
    loads, a link, a format without preview); None when the file must be read."""
    fmt = (resource.get("format") or "").strip().upper()
    mimetype = (resource.get("mimetype") or "").lower()
    if fmt in IMAGE_FORMATS or mimetype.startswith("image/"):
        # The browser loads the image from the download route (or the remote URL) itself.
        return Preview("image")
    if resource.get("url_type") != "upload":
        return Preview("none", reason="remote")
    if _file_kind(resource) is None:
        return Preview("none", reason="format")
    return None


def _file_kind(resource: dict[str, Any]) -> str | None:
    fmt = (resource.get("format") or "").strip().upper()
    mimetype = (resource.get("mimetype") or "").lower()
    if fmt in EXCEL_FORMATS:
        return "excel"
    if fmt in JSON_FORMATS or mimetype == "application/json":
        return "json"
    if fmt in TABLE_FORMATS or mimetype in ("text/csv", "text/tab-separated-values"):
        return "table"
    return None


def build_preview(storage: Any, resource: dict[str, Any], storage_key: str | None) -> Preview:
    """Read and parse the file of a resource (a dict with format, mimetype, url_type) for its
    preview. Never raises: a file that cannot be previewed gets a reason."""
    fixed = static_preview(resource)
    if fixed is not None:
        return fixed
    if not storage_key:
        return Preview("none", reason="missing")
    kind = _file_kind(resource)
    fmt = (resource.get("format") or "").strip().upper()
    try:
        if kind == "excel":
            data, more = read_head(storage, storage_key, MAX_XLSX_BYTES)
            if more:
                return Preview("none", reason="large", detail="bytes")
            return xlsx_preview(data)
        data, more = read_head(storage, storage_key)
        text, encoding = decode_text(data, complete=not more)
        if kind == "json":
            if more:
                return Preview("none", reason="large", detail="bytes")
            return json_preview(text, encoding)
        preview = table_from_text(text, fmt, more)
        preview.encoding = encoding
        return preview
    except LimitExceeded as exc:
        return Preview("none", reason="large", detail=f"{exc.limit}: {exc}")
    except FileNotFoundError:
        return Preview("none", reason="missing")
    except Exception:  # a malformed file gets no preview, never an error page
        return Preview("none", reason="error")

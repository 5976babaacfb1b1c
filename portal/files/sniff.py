"""Content sniffing of uploads: the first bytes of a file against the format it is declared as
(the resource's format, else its file name's extension).

Refused: executables (ELF, PE, Mach-O, Java classes) under any name, because the portal would
serve them from its own address; and, under a data format, a script with a shebang, HTML (a
page or script a browser might run when the file is opened), a binary file where text is
declared (CSV, JSON, XML, ...), and a workbook that is not the container its format requires
(XLSX is a zip, XLS an OLE2 file or a zip).
"""

from __future__ import annotations

import re
from typing import BinaryIO

HEAD_BYTES = 8192

TEXT_FORMATS = frozenset(
    {"CSV", "TSV", "TXT", "JSON", "GEOJSON", "JSONLD", "JSON-LD", "XML", "RDF", "TTL", "N3",
     "NT", "KML", "GML", "GPX", "WKT", "TOPOJSON", "NDJSON", "JSONL", "YAML", "YML"}
)  # fmt: skip
ZIP_FORMATS = frozenset({"XLSX", "XLSM", "ODS", "DOCX", "PPTX", "ODT", "KMZ", "ZIP"})
OLE_FORMATS = frozenset({"XLS", "DOC", "PPT"})
DATA_FORMATS = TEXT_FORMATS | ZIP_FORMATS | OLE_FORMATS

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip, an empty zip
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACHO_MAGIC = (
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # a universal Mach-O binary, or a Java class file
)  # fmt: skip
BINARY_MAGIC = (
    *ZIP_MAGIC, OLE_MAGIC, b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b",
    b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh",
)  # fmt: skip
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
MARKUP_FORMATS = frozenset({"XML", "RDF", "KML", "GML", "GPX"})
# What a browser takes for HTML: the tags its sniffing looks for at the start of a document
# (the WHATWG MIME sniffing "HTML" patterns).
HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|frameset|object|embed|meta|title|"
    rb"style|svg|img|div|table|form|br|font|h1|a|b|p|!--)[\s>/]",
    re.IGNORECASE,
)
# Anywhere in the head: markup that runs code or makes the file a page.
HTML_ANYWHERE = re.compile(rb"<(?:script|iframe|!doctype\s+html|html)[\s>/]", re.IGNORECASE)


class RefusedContent(ValueError):
    """The file's content does not match its declared format, or is never accepted."""


def declared_format(fmt: str | None, filename: str) -> str:
    """The format a file is declared as: the resource's format, else the extension."""
    if fmt and fmt.strip():
        return fmt.strip().upper()
    return filename.rsplit(".", 1)[1].upper() if "." in filename else ""


# The refusals, fixed sentences so that pages can translate them.
EXECUTABLE = "Executable programs cannot be uploaded."
MARKUP = "HTML pages and scripts cannot be uploaded as data."
NOT_TEXT = "The file is binary, but its declared format is a text format (CSV, JSON, XML, ...)."
NOT_WORKBOOK = (
    "The file is not the kind of file its declared format says "
    "(XLSX and other Office Open XML files are zip archives, XLS files Office 97-2003 files)."
)


def is_executable(head: bytes) -> bool:
    """ELF, Mach-O (or a Java class) or Windows PE, by their magic bytes."""
    if head.startswith((b"\x7fELF", *MACHO_MAGIC)):
        return True
    return head.startswith(b"MZ") and _is_pe(head)


def _is_pe(head: bytes) -> bool:
    offset = int.from_bytes(head[0x3C:0x40], "little") if len(head) >= 0x40 else -1
    if 0 <= offset <= len(head) - 4 and head[offset : offset + 4] == b"PE\x00\x00":
        return True
    return b"This program cannot be run in DOS mode" in head[:1024]


def _text_problem(head: bytes, fmt: str) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 text (a spreadsheet export) has zero bytes but is text.
        # (The head may end inside a surrogate pair: undecodable units are dropped.)
        codec = "utf-16-le" if head[0] == 0xFF else "utf-16-be"
        probe = head[2:].decode(codec, errors="ignore").encode("utf-8", errors="ignore")
    else:
        probe = head.removeprefix(b"\xef\xbb\xbf")
        if probe.startswith(BINARY_MAGIC) or b"\x00" in probe:
            return NOT_TEXT
    start = probe.lstrip()
    if start.startswith(b"#!") or HTML_ANYWHERE.search(probe):
        return MARKUP
    # XML formats start with a tag (<?xml, <!-- a comment, <kml): only HTML ones are refused.
    if fmt not in MARKUP_FORMATS and HTML_START.match(start):
        return MARKUP
    return None


def content_problem(head: bytes, fmt: str) -> str | None:
    """Why a file starting with `head` is refused as format `fmt` (one of the sentences
    above), or None."""
    if is_executable(head):
        return EXECUTABLE
    if fmt not in DATA_FORMATS or not head:
        return None
    if fmt in ZIP_FORMATS:
        return None if head.startswith(ZIP_MAGIC) else NOT_WORKBOOK
    if fmt in OLE_FORMATS:
        return None if head.startswith((OLE_MAGIC, *ZIP_MAGIC)) else NOT_WORKBOOK
    return _text_problem(head, fmt)


def peek(stream: BinaryIO, size: int = HEAD_BYTES) -> tuple[bytes, BinaryIO]:
    """The first bytes of a stream, and a stream that still yields all of it."""
    seekable = getattr(stream, "seekable", None)
    if seekable is not None and seekable():
        position = stream.tell()
        head = stream.read(size)
        stream.seek(position)
        return head, stream
    head = stream.read(size)
    return head, _Prefixed(head, stream)


class _Prefixed:
    """A read-only stream: `head` (already read from `rest`), then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._rest.read(size)


def check_upload(stream: BinaryIO, filename: str, fmt: str | None) -> BinaryIO:
    """Raise RefusedContent when the upload's content does not fit its declared format;
    return a stream to store that still yields the whole file."""
    head, stream = peek(stream)
    declared = declared_format(fmt, filename)
    problem = content_problem(head, declared)
    if problem is None and declared != declared_format(None, filename):
        # A file named .csv but declared as XLSX (or the reverse) must fit both.
        problem = content_problem(head, declared_format(None, filename))
    if problem:
        raise RefusedContent(problem)
    return stream

"""Decompression bombs built in the tests (never shipped as fixtures): small files that expand
enormously once opened."""

from __future__ import annotations

import io
import zipfile

MB = 1024 * 1024
PKG = "http://schemas.openxmlformats.org/package/2006"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML = '<?xml version="1.0" encoding="UTF-8"?>'

CONTENT_TYPES = (
    f'{XML}<Types xmlns="{PKG}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SML}.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'{XML}<Relationships xmlns="{PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{DOC}">'
    '<sheets><sheet name="信息资源目录" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
SHEET_REL = f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
STRINGS_REL = f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
SHEET_HEAD = f'{XML}<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
SHEET_TAIL = "</row></sheetData></worksheet>"
STRINGS_HEAD = f'{XML}<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'
STRINGS_TAIL = "</t></si></sst>"


def _relations(*relations: str) -> str:
    return f'{XML}<Relationships xmlns="{PKG}/relationships">{"".join(relations)}</Relationships>'


def _package(archive: zipfile.ZipFile, *relations: str) -> None:
    archive.writestr("[Content_Types].xml", CONTENT_TYPES)
    archive.writestr("_rels/.rels", ROOT_RELS)
    archive.writestr("xl/workbook.xml", WORKBOOK)
    archive.writestr("xl/_rels/workbook.xml.rels", _relations(*relations))


def _stream(archive: zipfile.ZipFile, name: str, head: str, piece: bytes, times: int, tail: str):
    """Write head, piece * times, tail as one member without holding it in memory."""
    block = piece * max(1, MB // len(piece))
    whole, rest = divmod(times, len(block) // len(piece))
    with archive.open(name, "w", force_zip64=True) as out:
        out.write(head.encode())
        for _ in range(whole):
            out.write(block)
        out.write(piece * rest)
        out.write(tail.encode())


def xlsx_bomb(string_mb: int = 100, cells: int = 2_000_000) -> bytes:
    """A workbook of a few hundred KB: one shared string of `string_mb` MB and a first row of
    `cells` cells that all show it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _package(archive, SHEET_REL, STRINGS_REL)
        _stream(archive, "xl/sharedStrings.xml", STRINGS_HEAD, b"A", string_mb * MB, STRINGS_TAIL)
        cell = b'<c t="s"><v>0</v></c>'
        _stream(archive, "xl/worksheets/sheet1.xml", SHEET_HEAD, cell, cells, SHEET_TAIL)
    return buffer.getvalue()


def xlsx_wide_row(cells: int = 200_000) -> bytes:
    """A workbook that compresses like a real one (varied numbers, no shared strings) but whose
    first row has `cells` cells: only reading the sheet tells it from a real catalog."""
    row = "".join(f"<c><v>{n * 7919 % 100_003}</v></c>" for n in range(cells))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _package(archive, SHEET_REL)
        archive.writestr("xl/worksheets/sheet1.xml", f"{SHEET_HEAD}{row}{SHEET_TAIL}")
    return buffer.getvalue()

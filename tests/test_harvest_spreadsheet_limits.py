"""The catalog spreadsheet harvester reads CSV and XLSX within the shared limits
(portal.files.limits.HARVEST): a decompression bomb or an oversized file is a ParseError
(a harvest error) raised quickly, never a hang or an exhausted worker."""

from __future__ import annotations

import dataclasses
import time

import pytest

import harvesters.spreadsheet as spreadsheet
from harvesters.errors import ParseError
from harvesters.spreadsheet import parse_spreadsheet
from portal.files import limits
from tests.bombs import xlsx_bomb, xlsx_wide_row

HEADER = "信息资源名称,信息资源代码,信息资源摘要\n"


def rows(content: bytes, filename: str) -> list:
    return list(parse_spreadsheet(content, filename))


def test_xlsx_bomb_is_a_parse_error_within_a_second():
    bomb = xlsx_bomb(string_mb=400)  # the 400 MB string of the report, in a ~600 KB file
    started = time.monotonic()
    with pytest.raises(ParseError, match="too large to import"):
        rows(bomb, "目录.xlsx")
    assert time.monotonic() - started < 1


def test_workbook_row_of_200000_cells_is_a_parse_error():
    with pytest.raises(ParseError, match="more than 16384 cells"):
        rows(xlsx_wide_row(200_000), "目录.xlsx")


def test_csv_line_of_a_million_columns_is_a_parse_error():
    content = (HEADER + "," * 1_000_000 + "\n").encode()
    with pytest.raises(ParseError, match="columns"):
        rows(content, "目录.csv")


def test_csv_cell_longer_than_an_excel_cell_is_a_parse_error():
    content = (HEADER + "公交线路," + "长" * 40_000 + ",摘要\n").encode("gb18030")
    with pytest.raises(ParseError, match="longer than 32767 characters"):
        rows(content, "目录.csv")


def test_csv_with_more_rows_than_the_limit_is_a_parse_error(monkeypatch):
    monkeypatch.setattr(spreadsheet, "LIMITS", dataclasses.replace(spreadsheet.LIMITS, max_rows=50))
    body = "".join(f"公交线路{n},1010010001/{n:06d},摘要\n" for n in range(100))
    with pytest.raises(ParseError, match="more than 50 rows"):
        rows((HEADER + body).encode(), "目录.csv")


def test_parse_time_is_bounded(monkeypatch):
    monkeypatch.setattr(spreadsheet, "LIMITS", dataclasses.replace(spreadsheet.LIMITS, seconds=0))
    body = "".join(f"公交线路{n},1010010001/{n:06d},摘要\n" for n in range(100))
    with pytest.raises(ParseError, match="longer than 0 s"):
        rows((HEADER + body).encode(), "目录.csv")


def test_time_spent_importing_rows_is_not_charged_to_parsing(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(limits.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(spreadsheet, "LIMITS", dataclasses.replace(spreadsheet.LIMITS, seconds=5))
    body = "".join(f"公交线路{n},1010010001/{n:06d},摘要\n" for n in range(5))
    parsed = []
    for row in parse_spreadsheet((HEADER + body).encode(), "目录.csv"):
        parsed.append(row)
        clock[0] += 60  # a minute importing each row into the catalog
    assert len(parsed) == 5

"""The `spreadsheet` source type: a government catalog spreadsheet, parsed by
harvesters.spreadsheet (imported when a job runs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from harvesters.registry import RemoteRecord, SourceType, register

SHEET_EXTENSIONS = (".csv", ".xlsx")


def sheet_filename(url: str, headers: Any) -> str:
    """The file name to parse a spreadsheet under: the URL's, else Content-Disposition's,
    else one matching the Content-Type."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    if name.lower().endswith(SHEET_EXTENSIONS):
        return name
    disposition = headers.get("Content-Disposition") or ""
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition, re.IGNORECASE)
    if match and match.group(1).lower().endswith(SHEET_EXTENSIONS):
        return unquote(match.group(1))
    content_type = (headers.get("Content-Type") or "").lower()
    if "spreadsheetml" in content_type or "excel" in content_type:
        return "catalog.xlsx"
    return "catalog.csv"


@register
class SpreadsheetSource(SourceType):
    """A government catalog spreadsheet (CSV in GB18030 or UTF-8, or XLSX) in the layout of
    portal.feeds.catalog_layout. Each row is a record; its id is the resource code (信息资源代码),
    else the dataset name (数据集标识). A bad row is reported with its row number and field
    errors; the other rows are imported."""

    name = "spreadsheet"
    label = "Catalog spreadsheet (CSV, XLSX)"

    def gather(self) -> Iterator[RemoteRecord]:
        from harvesters.spreadsheet import parse_spreadsheet

        with self.run.fetch(self.source.url) as result:
            content = result.read()
            filename = sheet_filename(result.final_url, result.headers)
        for row in parse_spreadsheet(content, filename):
            label = f"Row {row.row}"
            if row.errors or row.dataset is None:
                errors = row.errors or {"row": ["The row could not be read."]}
                yield RemoteRecord(row.remote_id, None, self.source.url, label, errors=errors)
            else:
                yield RemoteRecord(row.remote_id, row.dataset, self.source.url, label)

    def map(self, record: RemoteRecord, content: Any) -> dict[str, Any]:
        data = dict(content)
        data.setdefault("type", "cn-gov")
        if "groups" in data:
            names = [g.get("name") for g in data["groups"] if isinstance(g, dict)]
            data["groups"] = self.run.local_groups(names)
        publisher = data.pop("publisher", None) or {}
        extras = list(data.get("extras") or [])
        for key in ("name", "code"):
            if publisher.get(key):
                extras.append({"key": f"publisher_{key}", "value": publisher[key]})
        data["extras"] = extras
        return data


__all__ = ["SpreadsheetSource", "sheet_filename"]

"""The registry of source types: ckan, dcat, datajson and spreadsheet.

`ckan` and `datajson` live in their own modules; `dcat` and `spreadsheet` wrap the pure parsers
`harvesters.dcat.parse_dcat` and `harvesters.spreadsheet.parse_spreadsheet` (imported when a
job runs, so the registry loads even where a parser is missing).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import harvesters.ckan  # noqa: F401  (registers "ckan")
import harvesters.datajson  # noqa: F401  (registers "datajson")
from harvesters.base import SOURCE_TYPES, PageMemo, RemoteRecord, SourceType, register
from harvesters.errors import GatherError

DCAT_ACCEPT = (
    "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, "
    "application/n-triples;q=0.5, */*;q=0.1"
)
SHEET_EXTENSIONS = (".csv", ".xlsx")


@register
class DcatSource(SourceType):
    """A DCAT catalog in RDF/XML, Turtle or JSON-LD, following hydra paging (DCAT-AP 2 and 3).

    The listing is complete when there is no next page and, where the catalog states its
    total (hydra:totalItems), as many datasets were read as it announced. A page whose bytes
    are those the last successful job read, all of whose records were imported well, is not
    parsed again (parsing RDF is most of an unchanged re-harvest's cost); --full parses all.
    """

    name = "dcat"
    label = "DCAT (RDF/XML, Turtle, JSON-LD)"
    config_keys = {"max_pages": int}

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        self._total: int | None = None

    def total(self) -> int | None:
        return self._total

    def gather(self) -> Iterator[RemoteRecord]:
        from harvesters.dcat import parse_dcat

        max_pages = int(self.config.get("max_pages") or 10_000)
        url: str | None = self.source.url
        visited: set[str] = set()
        listed = 0
        while url:
            if url in visited:
                raise GatherError(f"The catalog's paging loops back to {url}.")
            if len(visited) >= max_pages:
                raise GatherError(f"The catalog has more than {max_pages} pages (max_pages).")
            visited.add(url)
            body, content_type = self.run.fetch_bytes(url, {"Accept": DCAT_ACCEPT})
            digest = hashlib.sha256(body).hexdigest()
            known = self.run.unchanged_page(url, digest)
            if known is not None:
                # The same bytes as last time, all imported well: no need to parse them.
                self._total = known.total if known.total is not None else self._total
                for rid in known.remote_ids:
                    yield RemoteRecord(rid, None, None, f"dataset {rid}")
                listed += len(known.remote_ids)
                self.run.remember_page(known)
                url = known.next_url
                continue
            page = parse_dcat(body, content_type, url)
            del body
            if page.total is not None:
                self._total = page.total
            ids = []
            for dataset in page.datasets:
                rid = dataset.get("remote_id")
                ids.append(str(rid) if rid else "")
                yield RemoteRecord(
                    str(rid) if rid else None,
                    dataset,
                    dataset.get("remote_url"),
                    f"dataset {dataset.get('title') or rid}",
                )
            listed += len(page.datasets)
            self.run.remember_page(PageMemo(url, digest, ids, page.next_url, page.total))
            url = page.next_url
        if self._total is not None and listed < self._total:
            raise GatherError(
                f"The catalog announces {self._total} datasets but its pages held {listed}."
            )

    def map(self, record: RemoteRecord, content: Any) -> dict[str, Any]:
        data = dict(content)
        data["type"] = "dataset"
        return data


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


__all__ = ["SOURCE_TYPES", "DcatSource", "SpreadsheetSource", "sheet_filename"]

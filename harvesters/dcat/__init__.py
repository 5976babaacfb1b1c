"""Parsing DCAT (DCAT-AP 2 and 3, and the common variants real portals publish) into portal
package dicts.

`parse_dcat(content, content_type, base_url)` reads one Turtle, RDF/XML or JSON-LD document
(a catalog page or a single dataset) and returns a `DcatPage`: the datasets as package dicts
(without `owner_org` and `name`, which the harvest framework decides), plus the Hydra paging
links of a paged catalog.

The work is in three modules: `document` reads the bytes into a graph safely, `terms` holds
the RDF terms and value vocabularies, `mapping` turns the graph's datasets into package dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harvesters.dcat.document import read_graph
from harvesters.dcat.mapping import Reader
from harvesters.dcat.terms import as_date, frequency_code
from portal.catalog.licenses import recognise_license as license_id


@dataclass
class DcatPage:
    """One parsed DCAT document: its datasets and, for a paged catalog, where to go next."""

    datasets: list[dict[str, Any]] = field(default_factory=list)
    next_url: str | None = None
    total: int | None = None


def parse_dcat(content: bytes, content_type: str | None, base_url: str) -> DcatPage:
    """The datasets and paging of one DCAT document (Turtle, RDF/XML or JSON-LD)."""
    graph = read_graph(content, content_type, base_url)
    reader = Reader(graph)
    page = DcatPage()
    for node in reader.dataset_nodes():
        page.datasets.append(reader.dataset(node))
    page.next_url, page.total = reader.paging(base_url)
    return page


__all__ = ["DcatPage", "as_date", "frequency_code", "license_id", "parse_dcat"]

"""The `dcat` source type: a DCAT catalog, paged, parsed by harvesters.dcat (imported when a
job runs, so the registry loads even where rdflib is missing)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from harvesters.errors import GatherError
from harvesters.registry import PageMemo, RemoteRecord, SourceType, register

DCAT_ACCEPT = (
    "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, "
    "application/n-triples;q=0.5, */*;q=0.1"
)


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


__all__ = ["DcatSource"]

"""The search engine interface. `PORTAL_SEARCH_URL` picks the engine:

- `tantivy://<folder>` (default: the instance's `search/`): an embedded Lucene-class index;
- `http(s)://host:9200/<index prefix>`: Elasticsearch or OpenSearch.

Both index the same documents (portal.search.documents) with the same analyzer
(portal.search.text) and translate the same query tree (portal.search.syntax).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from portal.search.syntax import Node


@dataclass
class SearchRequest:
    query: Node
    filters: list[Node] = field(default_factory=list)
    labels: list[str] = field(default_factory=lambda: ["public"])
    sort: list[tuple[str, bool]] = field(default_factory=lambda: [("score", True)])
    rows: int = 10
    start: int = 0
    facet_fields: list[str] = field(default_factory=list)
    facet_limit: int = 50
    facet_mincount: int = 1


@dataclass
class SearchHits:
    count: int
    datasets: list[dict[str, Any]]
    facets: dict[str, dict[str, int]]


class SearchUnavailable(Exception):
    """The engine cannot be reached or written now; the change stays in the outbox."""


class SearchEngine(Protocol):
    def index(self, documents: list[dict[str, Any]]) -> None:
        """Add or replace documents (by id)."""

    def delete(self, ids: list[str]) -> None: ...

    def search(self, request: SearchRequest) -> SearchHits: ...

    def suggest(self, prefix: str, labels: list[str], limit: int) -> list[dict[str, Any]]:
        """Datasets whose title words (or their pinyin, or pinyin initials) start with
        prefix."""

    def versions(self) -> dict[str, str]:
        """id -> metadata_modified of every indexed dataset (for `portal search check`)."""

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        """Build a new index from documents and switch searches to it when complete."""

    def clear(self) -> None: ...


def open_engine(url: str) -> SearchEngine:
    if url.startswith("tantivy://"):
        from portal.search.tantivy_engine import TantivyEngine

        return TantivyEngine(url.removeprefix("tantivy://"))
    if url.startswith(("http://", "https://", "elasticsearch://", "opensearch://")):
        from portal.search.elasticsearch import ElasticsearchEngine

        return ElasticsearchEngine.from_url(url)
    raise ValueError(f"Unsupported PORTAL_SEARCH_URL: {url!r}")

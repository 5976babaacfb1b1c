"""DCAT-AP 3.0.1 RDF for the catalog: the catalog node, its datasets (portal.feeds.dcat_dataset)
and, on a paged catalog, the hydra paging node, in one rdflib Graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from portal.feeds.dcat_dataset import DatasetGraph
from portal.feeds.rdf import Triples, lit, typed
from portal.feeds.vocab import (
    DCAT,
    DCT,
    EU_LANGUAGE,
    FOAF,
    HYDRA,
    LANGUAGE_LABELS,
    RDF,
    XSD,
)

if TYPE_CHECKING:
    from rdflib import Graph


@dataclass
class CatalogInfo:
    """The catalog's own description; `catalog_info(app)` reads it from the settings."""

    site_url: str
    title: dict[str, str]
    description: dict[str, str]
    publisher: dict[str, str]
    languages: tuple[str, ...] = ("ZHO", "ENG")
    email: str | None = None  # the catalog's contact, for datasets that name none

    @property
    def uri(self) -> str:
        return f"{self.site_url}/catalog"


@dataclass
class PageInfo:
    """One page of a paged catalog: its number, size, the total and how to link a page."""

    number: int
    size: int
    total: int
    url_for: Callable[[int], str]
    # Keyset paging (portal.feeds.catalog): the next page's link, None on the last page.
    next_url: str | None = None
    keyset: bool = False

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


class CatalogGraph(DatasetGraph):
    """A graph of several datasets with the catalog node that lists them."""

    def add_catalog(self, info: CatalogInfo, datasets: Iterable[str], modified: str | None) -> str:
        ref = info.uri
        self.add(ref, RDF.type, DCAT.Catalog)
        self.add_texts(ref, DCT.title, info.title.get("zh"), info.title.get("en"))
        self.add_texts(ref, DCT.description, info.description.get("zh"), info.description.get("en"))
        publisher = f"{info.uri}#publisher"
        self.add(ref, DCT.publisher, publisher)
        self.add(publisher, RDF.type, FOAF.Agent)
        self.add(publisher, RDF.type, FOAF.Organization)
        self.add_texts(publisher, FOAF.name, info.publisher.get("zh"), info.publisher.get("en"))
        homepage = f"{info.site_url}/"
        self.add(ref, FOAF.homepage, homepage)
        self.add(homepage, RDF.type, FOAF.Document)
        for code in info.languages:
            labels = {"en": LANGUAGE_LABELS.get(code, code)}
            uri = f"{EU_LANGUAGE}/{code}"
            self.add(
                ref, DCT.language, self.concept(uri, DCT.LinguisticSystem, EU_LANGUAGE, labels)
            )
        self.add_date(ref, DCT.modified, modified)
        for scheme in sorted(self._schemes):
            self.add(ref, DCAT.themeTaxonomy, scheme)
        for dataset in datasets:
            self.add(ref, DCAT.dataset, dataset)
        return ref

    def add_paging(self, page: PageInfo) -> str:
        """Hydra paging as ckanext-dcat writes it (hydra:PagedCollection with firstPage ...
        literals), plus the current Hydra terms (hydra:PartialCollectionView, first ...)."""
        ref = page.url_for(page.number)
        self.add(ref, RDF.type, HYDRA.PagedCollection)
        self.add(ref, RDF.type, HYDRA.PartialCollectionView)
        self.add(ref, HYDRA.totalItems, typed(page.total, XSD.integer))
        self.add(ref, HYDRA.itemsPerPage, typed(page.size, XSD.integer))
        links = {"first": 1, "last": page.last}
        if page.number < page.last and not page.keyset:
            links["next"] = page.number + 1
        if page.number > 1:
            links["previous"] = min(page.number - 1, page.last)
        urls = {name: page.url_for(number) for name, number in links.items()}
        if page.next_url is not None:
            urls["next"] = page.next_url
        for name, url in urls.items():
            self.add(ref, HYDRA[name], (url))
            self.add(ref, HYDRA[f"{name}Page"], lit(url))
        return ref


def catalog_triples(
    info: CatalogInfo,
    datasets: Iterable[dict[str, Any]],
    modified: str | None = None,
    page: PageInfo | None = None,
    references: dict[str, list[str]] | None = None,
) -> Triples:
    """One page of the catalog: the catalog node, its datasets and the paging node;
    `references` are the reuse pages citing each dataset (dataset id -> IRIs)."""
    builder = CatalogGraph(info.site_url, references=references or {})
    refs = [builder.add_dataset(d) for d in datasets]
    builder.add_catalog(info, refs, modified)
    if page is not None:
        builder.add_paging(page)
    return builder.triples


def catalog_graph(
    info: CatalogInfo,
    datasets: Iterable[dict[str, Any]],
    modified: str | None = None,
    page: PageInfo | None = None,
) -> Graph:
    """One page of the catalog as an rdflib Graph."""
    return catalog_triples(info, datasets, modified, page).to_graph()

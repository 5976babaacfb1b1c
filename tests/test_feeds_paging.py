"""The paged catalog (/catalog.ttl, .rdf, .jsonld) as a harvester reads it, following hydra:next
while the catalog changes: keyset paging (a cursor in the next link, a stable order by creation
time and id) lists every dataset exactly once, whatever is created, edited or deleted meanwhile."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import create_dataset, site_batch, site_context
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, RDF
from sqlalchemy import select

from portal.actions import call
from portal.catalog.models import Dataset
from portal.feeds.catalog import CatalogQuery, iter_datasets

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ROWS = 5
DISTRICTS = ("历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区")


@pytest.fixture
def catalog(app: Flask, cast) -> list[str]:
    """Fourteen public datasets, one per district and topic; their ids in creation order."""
    ids = []
    for n in range(14):
        district = DISTRICTS[n % len(DISTRICTS)]
        topic = "公交站点" if n < 7 else "公共厕所"
        made = create_dataset(app, f"jinan-{n:02d}", cast.transport, title=f"{district}{topic}")
        ids.append(made["id"])
    return ids


def read_page(client: FlaskClient, url: str, fmt: str = "turtle") -> tuple[list[str], str | None]:
    """The dataset ids of one catalog page and its hydra:next link (as a local path)."""
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    graph = Graph().parse(data=response.data, format=fmt)
    ids = [str(node).rsplit("/", 1)[-1] for node in graph.subjects(RDF.type, DCAT.Dataset)]
    following = list(graph.objects(None, HYDRA.next))
    if not following:
        return ids, None
    parts = urlsplit(str(following[0]))
    return ids, f"{parts.path}?{parts.query}"


def read_rest(client: FlaskClient, url: str | None) -> list[str]:
    seen: list[str] = []
    for _ in range(100):
        if url is None:
            return seen
        ids, url = read_page(client, url)
        seen += ids
    raise AssertionError("hydra:next never ended")


def edit(app: Flask, dataset_id: str, notes: str) -> None:
    call("package_patch", site_context(app), {"id": dataset_id, "notes": notes})


def test_changes_while_paging_never_repeat_or_skip_a_dataset(
    app: Flask, client: FlaskClient, cast, catalog: list[str]
) -> None:
    first, following = read_page(client, f"/catalog.ttl?rows={ROWS}")
    assert len(first) == ROWS and following is not None and "after=" in following
    # While the harvester is between pages: new datasets, and edits on both sides of it.
    created = [
        create_dataset(app, f"jinan-new-{n}", cast.transport, title=f"新增数据集 {n}")["id"]
        for n in range(3)
    ]
    edit(app, first[0], "已读页上的数据集被修改")
    later = next(i for i in catalog if i not in first)
    edit(app, later, "未读页上的数据集被修改")
    seen = first + read_rest(client, following)
    counts = Counter(seen)
    assert [i for i, n in counts.items() if n > 1] == []
    assert set(seen) == set(catalog) | set(created)


def test_a_deletion_while_paging_leaves_no_other_dataset_out(
    app: Flask, client: FlaskClient, catalog: list[str]
) -> None:
    first, following = read_page(client, f"/catalog.rdf?rows={ROWS}", "xml")
    call("package_delete", site_context(app), {"id": first[1]})
    seen = first + read_rest(client, following.replace("/catalog.rdf", "/catalog.ttl"))
    assert Counter(seen) == Counter(catalog)


def test_pages_keep_one_order_by_creation(client: FlaskClient, catalog: list[str]) -> None:
    first, following = read_page(client, f"/catalog.ttl?rows={ROWS}")
    assert first == catalog[:ROWS]
    assert first + read_rest(client, following) == catalog


def test_datasets_created_in_the_same_instant_are_paged_by_id(
    app: Flask, client: FlaskClient, cast
) -> None:
    # A bulk load (a harvest batch) can stamp many datasets with one time, to the microsecond.
    instant = datetime(2024, 5, 1, 8, 0, 0, 250_000)
    with site_batch(app) as context:
        for n in range(12):
            data = {
                "name": f"bulk-{n:02d}",
                "title": f"批量导入 {n}",
                "owner_org": cast.transport.id,
            }
            call("package_create", context, data)
        for dataset in context.session.scalars(select(Dataset)):
            dataset.metadata_created = instant
    with app.extensions["portal.db"].factory() as session:
        ids = sorted(session.scalars(select(Dataset.id)))
    seen = read_rest(client, "/catalog.ttl?rows=5")
    assert seen == ids


def test_numbered_pages_still_work_and_lead_on_with_a_cursor(
    client: FlaskClient, catalog: list[str]
) -> None:
    second, following = read_page(client, f"/catalog.ttl?rows={ROWS}&page=2")
    assert second == catalog[ROWS : 2 * ROWS]
    assert "after=" in following and parse_qs(urlsplit(following).query)["rows"] == [str(ROWS)]
    assert read_rest(client, following) == catalog[2 * ROWS :]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("after=not-a-cursor", b"after is not a paging cursor"),
        ("after=%E6%B5%8E%E5%8D%97", b"after is not a paging cursor"),
        ("after=MjAyNC0wMS0wMXx4eHwx", b"after is not a paging cursor"),  # page 1: not a cursor
        (f"after={'A' * 600}", b"after is not a paging cursor"),
    ],
)
def test_a_bad_cursor_is_a_400(client: FlaskClient, catalog: list[str], args: str, message: bytes):  # noqa: ANN201
    response = client.get(f"/catalog.ttl?{args}")
    assert response.status_code == 400 and message in response.data


def test_a_cursor_and_a_page_number_together_are_a_400(
    client: FlaskClient, catalog: list[str]
) -> None:
    _first, following = read_page(client, f"/catalog.ttl?rows={ROWS}")
    response = client.get(f"{following}&page=3")
    assert response.status_code == 400 and b"either after or page" in response.data


def test_streamed_exports_list_each_dataset_once_while_the_catalog_changes(
    app: Flask, cast, catalog: list[str]
) -> None:
    context = site_context(app)
    stream = iter_datasets(context, CatalogQuery(), rows=4)
    seen = [next(stream)["id"] for _ in range(4)]
    create_dataset(app, "jinan-late", cast.transport, title="导出途中新增")
    edit(app, catalog[6], "导出途中修改")
    seen += [dataset["id"] for dataset in stream]
    assert Counter(seen).most_common(1)[0][1] == 1
    assert set(catalog) <= set(seen)

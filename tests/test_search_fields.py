"""A search filter and facet is one declaration (portal.search.fields.KeywordField): declaring
it makes it a filter, a facet, a sort order (if declared sortable) on both engines, and
labelled on the pages, with no edit anywhere else."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import create_dataset

from portal.search import syntax
from portal.search.elasticsearch_mapping import index_definition
from portal.search.elasticsearch_queries import search_body
from portal.search.engine import SearchRequest
from portal.search.fields import FIELDS, KeywordField
from portal.search.index import engine
from portal.search.tantivy_engine import TantivyEngine


def _has_files(dataset: dict[str, Any]) -> list[str]:
    return ["yes" if dataset.get("resources") else "no"]


HAS_FILES = KeywordField(
    "has_files",
    "数据文件",
    "Data files",
    _has_files,
    sortable=True,
    value_label={"yes": {"zh": "有数据文件", "en": "With files"}}.get,
)


@pytest.fixture
def settings(settings, monkeypatch):
    # Declared before the app and its search index exist, as a profile's fields are.
    monkeypatch.setitem(FIELDS, HAS_FILES.name, HAS_FILES)
    return settings


@pytest.fixture
def datasets(app, cast) -> None:
    create_dataset(
        app,
        "bus-routes",
        cast.transport,
        title="全省公交线路及站点信息",
        resources=[{"url": "https://data.example.gov.cn/bus.csv", "format": "CSV"}],
    )
    create_dataset(app, "bus-plans", cast.transport, title="公交线网规划（编制中）")


def search(api, **params: Any) -> dict[str, Any]:
    response = api.get("package_search", None, **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def test_declared_field_filters_package_search(api, datasets):
    found = search(api, fq="has_files:yes")
    assert [d["name"] for d in found["results"]] == ["bus-routes"]
    assert [d["name"] for d in search(api, q="has_files:no")["results"]] == ["bus-plans"]


def test_declared_field_is_a_facet(api, datasets):
    found = search(api, **{"facet.field": '["has_files"]'})
    assert found["facets"]["has_files"] == {"yes": 1, "no": 1}


def test_declared_field_is_labelled_on_the_search_page(client, datasets):
    page = client.get("/dataset").get_data(as_text=True)
    assert "数据文件" in page  # the facet's title
    assert "有数据文件" in page  # a value's label from the declaration
    client.get("/lang/en")
    english = client.get("/dataset").get_data(as_text=True)
    assert "Data files" in english and "With files" in english


def test_declared_sortable_field_sorts_package_search_on_the_embedded_engine(app, api, datasets):
    assert isinstance(engine(app), TantivyEngine)
    ascending = search(api, sort="has_files asc")
    assert [d["name"] for d in ascending["results"]] == ["bus-plans", "bus-routes"]
    assert ascending["sort"] == "has_files asc"
    descending = search(api, sort="has_files desc, metadata_modified desc")
    assert [d["name"] for d in descending["results"]] == ["bus-routes", "bus-plans"]
    refused = api.get("package_search", None, sort="tags asc")  # tags are not declared sortable
    assert refused.get_json()["error"]["message"] == "Cannot sort by: 'tags asc'"


def test_declared_sortable_field_sorts_on_elasticsearch(settings):
    mapping = index_definition()["mappings"]["properties"]["kw_has_files"]
    assert mapping == {"type": "keyword"}  # keywords keep doc values: sortable
    body = search_body(SearchRequest(query=syntax.All(), sort=[("has_files", True)]))
    assert body["sort"][0] == {"kw_has_files": {"order": "desc", "missing": "_last"}}

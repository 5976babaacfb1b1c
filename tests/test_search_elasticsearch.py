"""The Elasticsearch / OpenSearch engine.

Unit tests run everywhere: the engine talks to a fake node plugged into the real
`elastic_transport.Transport`, so the bytes that would go on the wire (paths, query strings,
JSON and NDJSON bodies, headers) are checked without a server.

Contract tests run against a real server when PORTAL_TEST_ELASTICSEARCH_URL is set, e.g.
`PORTAL_TEST_ELASTICSEARCH_URL=http://127.0.0.1:9200/portaltest` (see docker/README.md); each
test works in its own `<prefix>-<random>-datasets` indices and deletes them afterwards.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import pytest
from elastic_transport import (
    ApiResponseMeta,
    BaseNode,
    ConnectionError,
    HttpHeaders,
    NodeConfig,
    Transport,
)
from elasticsearch import BadRequestError
from elasticsearch.helpers import BulkIndexError

from portal.errors import SearchQueryError
from portal.search import syntax
from portal.search.documents import TEXT_FIELDS, build_document
from portal.search.elasticsearch import INITIAL_STAMP, ElasticsearchEngine
from portal.search.elasticsearch_mapping import MAX_RESULT_WINDOW, index_definition
from portal.search.elasticsearch_queries import search_body, translate
from portal.search.engine import SearchRequest, SearchUnavailable, open_engine
from portal.search.fields import FIELDS
from portal.search.text import query_groups

LIVE_URL = os.environ.get("PORTAL_TEST_ELASTICSEARCH_URL", "")

# --- Realistic datasets -------------------------------------------------------------------

TRANSPORT = {
    "id": "7c1f0a52-2f0e-4c1e-9d1e-0a1b2c3d4e01",
    "name": "transport",
    "title": "省交通运输厅",
    "title_en": "Provincial Department of Transport",
}
ENVIRONMENT = {
    "id": "7c1f0a52-2f0e-4c1e-9d1e-0a1b2c3d4e02",
    "name": "environment",
    "title": "省生态环境厅",
    "title_en": "Provincial Department of Ecology and Environment",
}
EDUCATION = {
    "id": "7c1f0a52-2f0e-4c1e-9d1e-0a1b2c3d4e03",
    "name": "education",
    "title": "省教育厅",
    "title_en": "Provincial Department of Education",
}
CREATOR = "5d2e9b7a-0000-4000-8000-000000000001"


def dataset(
    slug: str,
    title: str,
    title_en: str,
    notes: str,
    tags: list[str],
    org: dict[str, str],
    modified: str,
    *,
    private: bool = False,
    state: str = "active",
    formats: tuple[str, ...] = ("CSV", "JSON"),
) -> dict[str, Any]:
    """A dataset as package_show returns it."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://data.example.gov.cn/dataset/{slug}")),
        "name": slug,
        "title": title,
        "title_en": title_en,
        "notes": notes,
        "type": "dataset",
        "state": state,
        "private": private,
        "owner_org": org["id"],
        "organization": dict(org),
        "creator_user_id": CREATOR,
        "license_id": "cc-by-4.0",
        "metadata_created": "2023-06-01T08:00:00",
        "metadata_modified": modified,
        "tags": [{"name": tag} for tag in tags],
        "groups": [{"name": org["name"]}],
        "extras": [{"key": "update_frequency", "value": "每月"}],
        "resources": [
            {"name": f"{title}（{fmt}）", "description": f"{title_en}, {fmt}", "format": fmt}
            for fmt in formats
        ],
    }


BUS_ROUTES = dataset(
    "bus-routes",
    "公交线路",
    "Bus routes",
    "全省城市公交线路走向、站点与首末班时间。",
    ["公交", "交通"],
    TRANSPORT,
    "2024-03-01T09:30:00.123456",
)
METRO_STATIONS = dataset(
    "metro-stations",
    "地铁站点",
    "Metro stations",
    "轨道交通站点位置与出入口信息。",
    ["地铁", "交通"],
    TRANSPORT,
    "2024-02-01T10:00:00",
)
BUS_RIDERSHIP = dataset(
    "bus-ridership",
    "公交客流统计",
    "Bus ridership statistics",
    "各线路日均客流，仅供内部分析。",
    ["公交"],
    TRANSPORT,
    "2024-04-01T08:00:00",
    private=True,
)
AIR_QUALITY = dataset(
    "air-quality",
    "空气质量监测",
    "Air quality monitoring",
    "监测站点每小时空气质量指数（AQI）。",
    ["环境"],
    ENVIRONMENT,
    "2024-01-15T12:00:00",
    formats=("XLSX",),
)
SCHOOLS = dataset(
    "schools",
    "中小学校名录",
    "Primary and secondary schools",
    "全省中小学校名称、地址与办学性质。",
    ["教育"],
    EDUCATION,
    "2024-05-01T00:00:00",
    state="draft",
)
DATASETS = [BUS_ROUTES, METRO_STATIONS, BUS_RIDERSHIP, AIR_QUALITY, SCHOOLS]


def documents(*datasets: dict[str, Any]) -> list[dict[str, Any]]:
    return [build_document(d) for d in datasets or DATASETS]


# --- A fake node behind the real transport ------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON, a list of parsed NDJSON lines, or None


Responder = Callable[[Call], tuple[int, Any]]


@dataclass
class FakeServer:
    """Records requests; answers from routes, else like an empty healthy server."""

    calls: list[Call] = field(default_factory=list)
    routes: dict[tuple[str, str], tuple[int, Any] | Responder] = field(default_factory=dict)
    down: bool = False

    def on(self, method: str, path: str, status: int = 200, body: Any = None) -> None:
        self.routes[(method, path)] = (status, body)

    def on_call(self, method: str, path: str, responder: Responder) -> None:
        self.routes[(method, path)] = responder

    def handle(self, method: str, target: str, body: bytes | None, headers: Any) -> Any:
        if self.down:
            raise ConnectionError("Connection refused")
        url = urlsplit(target)
        parsed: Any = None
        if body is not None:
            if headers.get("content-type") == "application/x-ndjson":
                parsed = [json.loads(line) for line in body.splitlines() if line]
            else:
                parsed = json.loads(body)
        call = Call(method, url.path, dict(parse_qsl(url.query)), dict(headers), parsed)
        self.calls.append(call)
        route = self.routes.get((method, url.path))
        if callable(route):
            return route(call)
        if route is not None:
            return route
        return self.default(call)

    def default(self, call: Call) -> tuple[int, Any]:
        if call.path.endswith("/_bulk"):
            return 200, bulk_answer(call)
        if call.path.endswith("/_search"):
            return 200, {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}
        if call.method == "HEAD":
            return 200, None
        return 200, {"acknowledged": True}

    def find(self, method: str, suffix: str = "") -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.endswith(suffix)]


def bulk_answer(call: Call, statuses: dict[str, int] | None = None) -> dict[str, Any]:
    """A _bulk answer for the actions of a request: every item succeeds unless `statuses`
    (id -> HTTP status) says otherwise."""
    items, lines = [], iter(call.body)
    for action in lines:
        op, meta = next(iter(action.items()))
        if op in ("index", "create"):
            next(lines)
        status = (statuses or {}).get(meta["_id"], 201 if op == "index" else 200)
        result: dict[str, Any] = {"_id": meta["_id"], "status": status}
        if status >= 300:
            kind = "not_found" if status == 404 else "es_rejected_execution_exception"
            if status == 400:
                kind = "document_parsing_exception"
            result["error"] = {"type": kind, "reason": "test"}
        items.append({op: result})
    return {
        "took": 3,
        "errors": any(i[next(iter(i))]["status"] >= 300 for i in items),
        "items": items,
    }


class NodeResponse(NamedTuple):
    meta: ApiResponseMeta
    body: bytes


class FakeNode(BaseNode):
    server: FakeServer

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: Any = None,
    ) -> NodeResponse:
        merged = HttpHeaders(self.headers)
        merged.update(headers or {})
        status, payload = self.server.handle(method, target, body, merged)
        data = b"" if payload is None else json.dumps(payload).encode()
        # Like OpenSearch: no X-Elastic-Product header.
        meta = ApiResponseMeta(
            status=status,
            http_version="1.1",
            headers=HttpHeaders({"content-type": "application/json; charset=UTF-8"}),
            duration=0.001,
            node=self.config,
        )
        return NodeResponse(meta, data)


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def engine(server: FakeServer) -> ElasticsearchEngine:
    node_class = type("Node", (FakeNode,), {"server": server})
    transport = Transport(
        [NodeConfig("http", "es.test", 9200)], node_class=node_class, max_retries=0
    )
    return ElasticsearchEngine(transport, prefix="t")


# --- Configuration ------------------------------------------------------------------------


def test_url_gives_hosts_auth_prefix_and_options() -> None:
    engine = ElasticsearchEngine.from_url(
        "https://elastic:p%40ss@es1:9243,es2/proxy/catalog?timeout=5&replicas=2&shards=3"
    )
    assert engine.prefix == "catalog" and engine.alias == "catalog-datasets"
    assert (engine.shards, engine.replicas) == (3, 2)
    nodes = sorted(
        (n.config.scheme, n.config.host, n.config.port, n.config.path_prefix)
        for n in engine.transport.node_pool.all()
    )
    assert nodes == [("https", "es1", 9243, "/proxy"), ("https", "es2", 9200, "/proxy")]
    for node in engine.transport.node_pool.all():
        assert node.config.headers["authorization"] == "Basic ZWxhc3RpYzpwQHNz"  # elastic:p@ss
        assert node.config.request_timeout == 5.0


def test_url_defaults() -> None:
    engine = open_engine("http://localhost:9200")
    assert isinstance(engine, ElasticsearchEngine)
    assert engine.alias == "portal-datasets" and engine.replicas is None
    (node,) = engine.transport.node_pool.all()
    assert (node.config.scheme, node.config.port, node.config.path_prefix) == ("http", 9200, "")
    assert "authorization" not in node.config.headers
    assert open_engine("opensearch://search:9200/odp").alias == "odp-datasets"
    with pytest.raises(ValueError, match="Unknown search URL parameters"):
        ElasticsearchEngine.from_url("http://localhost:9200/portal?colour=red")
    with pytest.raises(ValueError, match="Bad index prefix"):
        ElasticsearchEngine.from_url("http://localhost:9200/Portal")


# --- Mapping ------------------------------------------------------------------------------


def test_mapping_whitespace_text_keyword_fields_and_paging_window() -> None:
    definition = index_definition()
    properties = definition["mappings"]["properties"]
    for name in TEXT_FIELDS:
        assert properties[name] == {"type": "text", "analyzer": "whitespace"}
    for name in FIELDS:
        assert properties[f"kw_{name}"] == {"type": "keyword"}
    for name in ("id", "labels", "suggest", "title_sort"):
        assert properties[name] == {"type": "keyword"}
    assert properties["metadata_modified"] == properties["metadata_created"] == {"type": "date"}
    assert properties["data"]["index"] is False and properties["data"]["doc_values"] is False
    # Every field of a built document is mapped explicitly.
    assert set(build_document(BUS_ROUTES)) <= set(properties)
    settings = definition["settings"]["index"]
    assert settings["max_result_window"] == MAX_RESULT_WINDOW == 200_000
    assert settings["number_of_shards"] == 1 and settings["auto_expand_replicas"] == "0-1"
    (template,) = definition["mappings"]["dynamic_templates"]
    assert template["keyword_fields"] == {"match": "kw_*", "mapping": {"type": "keyword"}}
    assert index_definition(replicas=2)["settings"]["index"]["number_of_replicas"] == 2


# --- Query translation --------------------------------------------------------------------


def token_query(token: str, fields: tuple[str, ...] = tuple(TEXT_FIELDS)) -> dict[str, Any]:
    return {
        "bool": {
            "should": [{"term": {f: {"value": token, "boost": TEXT_FIELDS[f]}}} for f in fields],
            "minimum_should_match": 1,
        }
    }


def test_chinese_compound_matches_the_word_or_all_its_parts() -> None:
    assert query_groups("公交线路") == [[["公交线路"], ["公交", "线路"]]]
    assert translate(syntax.Text("公交线路")) == {
        "bool": {
            "should": [
                token_query("公交线路"),
                {"bool": {"must": [token_query("公交"), token_query("线路")]}},
            ],
            "minimum_should_match": 1,
        }
    }
    # Boosts: title > tags > description > resources > department.
    boosts = [next(iter(t["term"].values()))["boost"] for t in token_query("x")["bool"]["should"]]
    assert boosts == [8.0, 4.0, 2.0, 1.5, 1.0]


def test_words_are_anded_and_field_text_stays_in_its_fields() -> None:
    query = translate(syntax.parse("title:公交 数据"))
    assert list(query["bool"]) == ["must"]
    title_part, data_part = query["bool"]["must"]
    terms = json.dumps(title_part, ensure_ascii=False)
    assert '"title_text"' in terms and "notes_text" not in terms
    assert "公交" in terms and '"bus"' in terms  # the glossary's English alternative
    assert data_part == translate(syntax.Text("数据"))
    assert translate(syntax.Text("，。")) == {"match_all": {}}


def test_phrases_keep_word_order_with_slop_for_chinese() -> None:
    english = translate(syntax.Phrase("bus routes"))
    clauses = english["bool"]["should"]
    assert [next(iter(c["match_phrase"])) for c in clauses] == list(TEXT_FIELDS)
    assert clauses[0]["match_phrase"]["title_text"] == {
        "query": "bus route",
        "analyzer": "whitespace",
        "slop": 0,
        "boost": 8.0,
    }
    chinese = translate(syntax.Phrase("公交 线路", ("title_text",)))
    (clause,) = chinese["bool"]["should"]
    assert clause["match_phrase"]["title_text"]["query"] == "公交 线路"
    assert clause["match_phrase"]["title_text"]["slop"] == 3
    # A one-word phrase is plain text.
    assert translate(syntax.Phrase("公交")) == translate(syntax.Text("公交"))


def test_keyword_match_range_not_or() -> None:
    assert translate(syntax.parse("tags:公交")) == {"term": {"kw_tags": {"value": "公交"}}}
    assert translate(syntax.parse("res_format:csv")) == {
        "term": {"kw_res_format": {"value": "CSV"}}
    }
    assert translate(syntax.parse("metadata_modified:[2024-01-01T00:00:00Z TO *]")) == {
        "range": {"metadata_modified": {"gte": "2024-01-01T00:00:00"}}
    }
    assert translate(syntax.parse("metadata_created:{* TO 2024-06-30T12:00:00Z}")) == {
        "range": {"metadata_created": {"lt": "2024-06-30T12:00:00"}}
    }
    assert translate(syntax.Range("metadata_created", None, None)) == {
        "exists": {"field": "metadata_created"}
    }
    assert translate(syntax.parse("-tags:公交")) == {
        "bool": {
            "must": [{"match_all": {}}],
            "must_not": [{"term": {"kw_tags": {"value": "公交"}}}],
        }
    }
    assert translate(syntax.parse("tags:公交 OR tags:地铁")) == {
        "bool": {
            "should": [
                {"term": {"kw_tags": {"value": "公交"}}},
                {"term": {"kw_tags": {"value": "地铁"}}},
            ],
            "minimum_should_match": 1,
        }
    }
    assert translate(syntax.parse("*:*")) == {"match_all": {}}


def test_search_body_filters_labels_facets_sort_and_paging() -> None:
    request = SearchRequest(
        query=syntax.parse("公交"),
        filters=[syntax.parse("organization:transport"), syntax.parse("-res_format:PDF")],
        labels=["public", "private:org-1"],
        sort=[("metadata_modified", True), ("title", False)],
        rows=20,
        start=40,
        facet_fields=["tags", "res_format"],
        facet_limit=7,
        facet_mincount=2,
    )
    body = search_body(request)
    assert body["query"] == {
        "bool": {
            "must": [translate(syntax.Text("公交"))],
            "filter": [
                {"term": {"kw_organization": {"value": "transport"}}},
                translate(syntax.parse("-res_format:PDF")),
                {"terms": {"labels": ["public", "private:org-1"]}},
            ],
        }
    }
    assert (body["from"], body["size"], body["track_total_hits"]) == (40, 20, True)
    assert body["sort"] == [
        {"metadata_modified": {"order": "desc", "missing": "_last"}},
        {"title_sort": {"order": "asc", "missing": "_last"}},
        {"id": {"order": "asc"}},
    ]
    assert body["_source"] == ["data"]
    assert body["aggs"]["tags"] == {
        "terms": {
            "field": "kw_tags",
            "size": 7,
            "min_doc_count": 2,
            "order": [{"_count": "desc"}, {"_key": "asc"}],
        }
    }
    assert body["aggs"]["res_format"]["terms"]["field"] == "kw_res_format"


def test_search_body_defaults_and_window() -> None:
    body = search_body(SearchRequest(query=syntax.All()))
    assert body["sort"] == [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
    assert body["query"]["bool"]["filter"] == [{"terms": {"labels": ["public"]}}]
    assert "aggs" not in body
    name_sort = search_body(SearchRequest(query=syntax.All(), sort=[("name", True)]))["sort"]
    assert name_sort[0] == {"kw_name": {"order": "desc", "missing": "_last"}}
    near_end = search_body(SearchRequest(query=syntax.All(), start=MAX_RESULT_WINDOW - 5))
    assert (near_end["from"], near_end["size"]) == (MAX_RESULT_WINDOW - 5, 5)
    beyond = search_body(SearchRequest(query=syntax.All(), start=MAX_RESULT_WINDOW + 10))
    assert (beyond["from"], beyond["size"]) == (0, 0)  # count and facets only
    no_facets = SearchRequest(query=syntax.All(), facet_fields=["tags"], facet_limit=0)
    all_facets = SearchRequest(query=syntax.All(), facet_fields=["tags"], facet_limit=10**9)
    assert search_body(all_facets)["aggs"]["tags"]["terms"]["size"] == 10_000
    assert "aggs" not in search_body(no_facets)


# --- Searching through the transport ------------------------------------------------------


def test_search_returns_datasets_count_and_ordered_facets(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    docs = documents(BUS_ROUTES, METRO_STATIONS)
    server.on(
        "POST",
        "/t-datasets/_search",
        body={
            "hits": {
                "total": {"value": 42, "relation": "eq"},
                "hits": [{"_id": d["id"], "_source": {"data": d["data"]}} for d in docs],
            },
            "aggregations": {
                "tags": {
                    "buckets": [
                        {"key": "地铁", "doc_count": 1},
                        {"key": "交通", "doc_count": 2},
                        {"key": "公交", "doc_count": 1},
                    ]
                }
            },
        },
    )
    request = SearchRequest(query=syntax.parse("交通"), facet_fields=["tags", "res_format"])
    hits = engine.search(request)
    assert hits.count == 42
    assert [d["name"] for d in hits.datasets] == ["bus-routes", "metro-stations"]
    assert hits.datasets[0]["title"] == "公交线路"
    assert list(hits.facets["tags"].items()) == [("交通", 2), ("公交", 1), ("地铁", 1)]
    assert hits.facets["res_format"] == {}
    (call,) = server.find("POST", "/_search")
    assert call.body == search_body(request)
    # Plain JSON, so Elasticsearch 7/8/9 and OpenSearch all accept it; answers without
    # X-Elastic-Product (OpenSearch) are fine.
    assert call.headers["content-type"] == "application/json"
    assert call.headers["accept"] == "application/json"


def test_first_use_creates_the_index_behind_the_alias(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    server.on("HEAD", "/_alias/t-datasets", 404)
    engine.search(SearchRequest(query=syntax.All()))
    engine.search(SearchRequest(query=syntax.All()))
    head, create, search, again = server.calls
    assert (head.method, head.path) == ("HEAD", "/_alias/t-datasets")
    assert (create.method, create.path) == ("PUT", f"/t-datasets-{INITIAL_STAMP}")
    assert create.body["aliases"] == {"t-datasets": {}}
    assert create.body["mappings"] == index_definition()["mappings"]
    assert create.body["settings"] == index_definition()["settings"]
    assert search.path == again.path == "/t-datasets/_search"  # the alias is known now


def test_creating_the_first_index_tolerates_a_concurrent_creator(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    server.on("HEAD", "/_alias/t-datasets", 404)
    server.on(
        "PUT",
        f"/t-datasets-{INITIAL_STAMP}",
        400,
        {"error": {"type": "resource_already_exists_exception", "reason": "exists"}, "status": 400},
    )
    assert engine.search(SearchRequest(query=syntax.All())).count == 0


def test_a_query_over_the_clause_limit_is_a_query_error(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    error = {
        "error": {
            "type": "search_phase_execution_exception",
            "root_cause": [{"type": "too_many_nested_clauses", "reason": "limit 1024"}],
        },
        "status": 400,
    }
    server.on("POST", "/t-datasets/_search", 400, error)
    with pytest.raises(SearchQueryError):
        engine.search(SearchRequest(query=syntax.parse(" ".join(["公交线路"] * 60))))
    server.on("POST", "/t-datasets/_search", 400, {"error": {"type": "parsing_exception"}})
    with pytest.raises(BadRequestError):
        engine.search(SearchRequest(query=syntax.All()))


def test_suggest_is_a_prefix_filter_newest_first(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    doc = build_document(BUS_ROUTES)
    server.on(
        "POST",
        "/t-datasets/_search",
        body={"hits": {"hits": [{"_source": {"data": doc["data"]}, "sort": [1]}]}},
    )
    found = engine.suggest("gj", ["public"], 5)
    assert [d["name"] for d in found] == ["bus-routes"]
    (call,) = server.find("POST", "/_search")
    assert call.body["query"] == {
        "bool": {
            "filter": [{"prefix": {"suggest": {"value": "gj"}}}, {"terms": {"labels": ["public"]}}]
        }
    }
    assert call.body["sort"][0] == {"metadata_modified": {"order": "desc", "missing": "_last"}}
    assert call.body["size"] == 5
    assert engine.suggest("", ["public"], 5) == [] and engine.suggest("gj", ["public"], 0) == []


def test_versions_walk_the_index_with_search_after(
    engine: ElasticsearchEngine, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.search.elasticsearch.VERSIONS_PAGE", 2)
    pages = [
        [("a", "2024-01-01T00:00:00"), ("b", "2024-02-01T00:00:00.500000")],
        [("c", None)],
    ]

    def answer(call: Call) -> tuple[int, Any]:
        page = pages[len(server.find("POST", "/_search")) - 1]
        hits = [{"_source": {"id": i, "metadata_modified": m}, "sort": [i]} for i, m in page]
        return 200, {"hits": {"hits": hits}}

    server.on_call("POST", "/t-datasets/_search", answer)
    assert engine.versions() == {
        "a": "2024-01-01T00:00:00",
        "b": "2024-02-01T00:00:00.500000",
        "c": "",
    }
    first, second = server.find("POST", "/_search")
    assert "search_after" not in first.body and second.body["search_after"] == ["b"]
    assert first.body["sort"] == [{"id": {"order": "asc"}}]
    assert first.body["_source"] == ["id", "metadata_modified"]


# --- Writing ------------------------------------------------------------------------------


def test_index_sends_one_bulk_with_ids_and_waits_for_refresh(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    docs = documents(BUS_ROUTES, AIR_QUALITY)
    engine.index(docs)
    (call,) = server.find("POST", "/_bulk")
    assert call.path == "/t-datasets/_bulk"
    assert call.params == {"refresh": "wait_for", "require_alias": "true"}
    assert call.headers["content-type"] == "application/x-ndjson"
    actions, sources = call.body[0::2], call.body[1::2]
    assert actions == [{"index": {"_id": d["id"]}} for d in docs]
    assert [s["id"] for s in sources] == [d["id"] for d in docs]
    first = sources[0]
    assert first["metadata_modified"] == "2024-03-01T09:30:00.123456"
    assert first["metadata_created"] == "2023-06-01T08:00:00"
    assert json.loads(first["data"])["title"] == "公交线路"
    assert first["kw_tags"] == ["公交", "交通"] and first["labels"] == ["public"]
    assert first["title_text"] == docs[0]["title_text"]
    engine.index([])
    assert len(server.find("POST", "/_bulk")) == 1


def test_large_batches_are_split(
    engine: ElasticsearchEngine, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.search.elasticsearch.BULK_DOCUMENTS", 2)
    engine.index(documents())
    assert [len(c.body) // 2 for c in server.find("POST", "/_bulk")] == [2, 2, 1]
    assert all(c.params["refresh"] == "wait_for" for c in server.find("POST", "/_bulk"))


def test_delete_sends_bulk_deletes_and_ignores_missing(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    server.on_call("POST", "/t-datasets/_bulk", lambda call: (200, bulk_answer(call, {"b": 404})))
    engine.delete(["a", "b"])
    (call,) = server.find("POST", "/_bulk")
    assert call.body == [{"delete": {"_id": "a"}}, {"delete": {"_id": "b"}}]
    assert call.params == {"refresh": "wait_for"}
    engine.delete([])
    assert len(server.find("POST", "/_bulk")) == 1


def test_rejected_documents_raise(engine: ElasticsearchEngine, server: FakeServer) -> None:
    docs = documents(BUS_ROUTES, AIR_QUALITY)
    overloaded = {docs[1]["id"]: 429}
    server.on_call("POST", "/t-datasets/_bulk", lambda call: (200, bulk_answer(call, overloaded)))
    with pytest.raises(SearchUnavailable, match="1 document"):
        engine.index(docs)
    broken = {docs[1]["id"]: 400}
    server.on_call("POST", "/t-datasets/_bulk", lambda call: (200, bulk_answer(call, broken)))
    with pytest.raises(BulkIndexError) as excinfo:
        engine.index(docs)
    assert excinfo.value.errors[0]["index"]["_id"] == docs[1]["id"]


def test_unreachable_or_failing_server_is_search_unavailable(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    server.down = True
    with pytest.raises(SearchUnavailable, match="unreachable"):
        engine.index(documents(BUS_ROUTES))
    with pytest.raises(SearchUnavailable):
        engine.delete(["a"])
    with pytest.raises(SearchUnavailable):
        engine.search(SearchRequest(query=syntax.All()))
    server.down = False
    server.on("POST", "/t-datasets/_bulk", 503, {"error": "unavailable", "status": 503})
    with pytest.raises(SearchUnavailable, match="503"):
        engine.index(documents(BUS_ROUTES))


def test_rebuild_fills_a_new_index_then_swaps_the_alias_once(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    old = "t-datasets-20240101000000000000"
    server.on("GET", "/_alias/t-datasets", body={old: {"aliases": {"t-datasets": {}}}})
    count = engine.rebuild(iter(documents()))
    assert count == len(DATASETS)
    create = server.find("PUT")[0]
    new = create.path.lstrip("/")
    assert new.startswith("t-datasets-") and new != old and len(new) == len(old)
    assert "aliases" not in create.body
    assert create.body["settings"]["index"]["refresh_interval"] == "-1"
    assert create.body["mappings"] == index_definition()["mappings"]
    (bulk,) = server.find("POST", "/_bulk")
    assert bulk.path == f"/{new}/_bulk" and bulk.params == {}
    (settings,) = server.find("PUT", "/_settings")
    assert settings.path == f"/{new}/_settings"
    assert settings.body == {"index": {"refresh_interval": "1s"}}
    (swap,) = server.find("POST", "/_aliases")
    assert swap.body == {
        "actions": [
            {"remove": {"index": old, "alias": "t-datasets"}},
            {"add": {"index": new, "alias": "t-datasets"}},
        ]
    }
    order = [(c.method, c.path) for c in server.calls]
    assert order.index(("POST", f"/{new}/_refresh")) < order.index(("POST", "/_aliases"))
    assert order[-1] == ("DELETE", f"/{old}")
    assert not server.find("DELETE", f"/{new}")


def test_failed_rebuild_keeps_the_old_index(
    engine: ElasticsearchEngine, server: FakeServer
) -> None:
    old = "t-datasets-20240101000000000000"
    server.on("GET", "/_alias/t-datasets", body={old: {"aliases": {"t-datasets": {}}}})

    def failing() -> Iterator[dict[str, Any]]:
        yield from documents(BUS_ROUTES)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        engine.rebuild(failing())
    new = server.find("PUT")[0].path
    assert [c.path for c in server.find("DELETE")] == [new]
    assert not server.find("POST", "/_aliases")


def test_clear_swaps_in_an_empty_index(engine: ElasticsearchEngine, server: FakeServer) -> None:
    server.on("GET", "/_alias/t-datasets", 404, {"error": "alias [t-datasets] missing"})
    engine.clear()
    assert not server.find("POST", "/_bulk")
    (swap,) = server.find("POST", "/_aliases")
    new = server.find("PUT")[0].path.lstrip("/")
    assert swap.body == {"actions": [{"add": {"index": new, "alias": "t-datasets"}}]}


# --- Contract tests on a real server ------------------------------------------------------

live_only = pytest.mark.skipif(
    not LIVE_URL,
    reason="set PORTAL_TEST_ELASTICSEARCH_URL=http://127.0.0.1:9200/portaltest to run the "
    "contract tests on a real Elasticsearch or OpenSearch server (see docker/README.md)",
)

ALL_LABELS = ["public", f"private:{TRANSPORT['id']}", f"draft:{EDUCATION['id']}"]


@pytest.fixture
def live() -> Iterator[ElasticsearchEngine]:
    base = ElasticsearchEngine.from_url(LIVE_URL)
    engine = ElasticsearchEngine(
        base.transport,
        f"{base.prefix}-{uuid.uuid4().hex[:8]}",
        shards=base.shards,
        replicas=base.replicas,
    )
    engine.index(documents())
    try:
        yield engine
    finally:
        engine.drop()


def names(engine: ElasticsearchEngine, q: str, labels: list[str] | None = None, **kw: Any) -> set:
    request = SearchRequest(query=syntax.parse(q), labels=labels or ["public"], **kw)
    return {d["name"] for d in engine.search(request).datasets}


@live_only
def test_live_chinese_and_english_text(live: ElasticsearchEngine) -> None:
    assert names(live, "公交") == {"bus-routes"}
    assert names(live, "公交", ALL_LABELS) == {"bus-routes", "bus-ridership"}
    assert names(live, "公交线路") == {"bus-routes"}
    assert names(live, '"bus routes"') == {"bus-routes"}
    assert names(live, "bus routes") == {"bus-routes"}
    assert names(live, "bus", ALL_LABELS) == {"bus-routes", "bus-ridership"}
    assert names(live, "空气 质量") == {"air-quality"}
    assert names(live, "title:地铁") == {"metro-stations"}
    assert names(live, "火车") == set()
    first = live.search(SearchRequest(query=syntax.parse("交通")))
    assert first.datasets[0]["name"] in {"bus-routes", "metro-stations"}


@live_only
def test_live_keyword_filters_ranges_and_negation(live: ElasticsearchEngine) -> None:
    assert names(live, "tags:交通") == {"bus-routes", "metro-stations"}
    assert names(live, "res_format:xlsx") == {"air-quality"}
    assert names(live, "-tags:交通") == {"air-quality"}
    assert names(live, "tags:公交 OR tags:环境") == {"bus-routes", "air-quality"}
    assert names(live, "metadata_modified:[2024-02-01T00:00:00Z TO *]") == {
        "bus-routes",
        "metro-stations",
    }
    assert names(live, "metadata_modified:{2024-02-01T10:00:00Z TO *]") == {"bus-routes"}
    request = SearchRequest(
        query=syntax.parse("交通"), filters=[syntax.parse("organization:transport")]
    )
    assert {d["name"] for d in live.search(request).datasets} == {"bus-routes", "metro-stations"}


@live_only
def test_live_facets_count_what_the_caller_may_see(live: ElasticsearchEngine) -> None:
    request = SearchRequest(query=syntax.All(), facet_fields=["tags", "organization"])
    hits = live.search(request)
    assert hits.count == 3
    assert list(hits.facets["tags"].items()) == [("交通", 2), ("公交", 1), ("地铁", 1), ("环境", 1)]
    assert hits.facets["organization"] == {"transport": 2, "environment": 1}
    private = live.search(
        SearchRequest(query=syntax.parse("tags:公交"), labels=ALL_LABELS, facet_fields=["tags"])
    )
    assert private.count == 2
    assert private.facets["tags"] == {"公交": 2, "交通": 1}


@live_only
def test_live_labels_hide_private_and_draft_datasets(live: ElasticsearchEngine) -> None:
    assert names(live, "客流") == set()
    assert names(live, "客流", ["public", f"private:{TRANSPORT['id']}"]) == {"bus-ridership"}
    assert names(live, "学校") == set()
    assert names(live, "学校", [f"draft:{EDUCATION['id']}"]) == {"schools"}
    assert names(live, "学校", [f"creator:{CREATOR}"]) == {"schools"}
    assert live.suggest("gj", ["public"], 5)[0]["name"] == "bus-routes"
    newest_first = [d["name"] for d in live.suggest("gj", ALL_LABELS, 5)]
    assert newest_first == ["bus-ridership", "bus-routes"]


@live_only
def test_live_sorting_paging_and_versions(live: ElasticsearchEngine) -> None:
    newest = SearchRequest(
        query=syntax.All(), labels=ALL_LABELS, sort=[("metadata_modified", True)], rows=2, start=1
    )
    hits = live.search(newest)
    assert hits.count == 5
    assert [d["name"] for d in hits.datasets] == ["bus-ridership", "bus-routes"]
    by_name = SearchRequest(query=syntax.All(), sort=[("name", False)])
    assert [d["name"] for d in live.search(by_name).datasets] == [
        "air-quality",
        "bus-routes",
        "metro-stations",
    ]
    versions = live.versions()
    assert versions == {d["id"]: d["metadata_modified"] for d in DATASETS}


@live_only
def test_live_updates_and_deletions_are_searchable_at_once(live: ElasticsearchEngine) -> None:
    renamed = dict(BUS_ROUTES, title="公交线路与站点", metadata_modified="2024-06-01T00:00:00")
    live.index([build_document(renamed)])
    assert names(live, "站点") == {"bus-routes", "metro-stations"}
    assert live.versions()[BUS_ROUTES["id"]] == "2024-06-01T00:00:00"
    live.delete([BUS_ROUTES["id"], "no-such-dataset"])
    assert names(live, "公交") == set()
    assert BUS_ROUTES["id"] not in live.versions()


@live_only
def test_live_rebuild_swaps_the_alias(live: ElasticsearchEngine) -> None:
    (before,) = live.alias_targets()
    assert live.rebuild(documents(METRO_STATIONS, AIR_QUALITY)) == 2
    (after,) = live.alias_targets()
    assert after != before
    assert live.transport.perform_request("HEAD", f"/{before}").meta.status == 404
    assert names(live, "*:*", ALL_LABELS) == {"metro-stations", "air-quality"}
    assert names(live, "地铁") == {"metro-stations"}
    live.index(documents(BUS_ROUTES))  # writes go to the new index
    assert names(live, "公交") == {"bus-routes"}
    live.clear()
    assert live.search(SearchRequest(query=syntax.All(), labels=ALL_LABELS)).count == 0
    assert live.alias_targets() != [after]


@live_only
def test_live_dates_round_trip(live: ElasticsearchEngine) -> None:
    doc = build_document(BUS_ROUTES)
    assert isinstance(doc["metadata_modified"], datetime)
    assert live.versions()[BUS_ROUTES["id"]] == doc["metadata_modified"].isoformat()

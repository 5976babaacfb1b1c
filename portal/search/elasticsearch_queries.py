"""Elasticsearch request bodies: the query tree (portal.search.syntax) translated as
portal.search.tantivy_engine translates it, sorts, facets, and reading the answers."""

from __future__ import annotations

from portal.search import syntax
from portal.search.documents import TEXT_FIELDS
from portal.search.elasticsearch_mapping import MAX_RESULT_WINDOW, Json, iso
from portal.search.engine import SearchRequest
from portal.search.fields import sort_field
from portal.search.text import query_groups

MAX_FACET_VALUES = 10_000  # per facet field (servers allow 65,535 buckets per search)


# --- query translation (mirrors TantivyEngine._node) ----------------------------------------


def translate(node: syntax.Node) -> Json:
    if isinstance(node, syntax.All):
        return {"match_all": {}}
    if isinstance(node, syntax.Text):
        return _text(node.text, node.fields)
    if isinstance(node, syntax.Phrase):
        return _phrase(node.text, node.fields)
    if isinstance(node, syntax.Prefix):
        targets = node.fields or tuple(TEXT_FIELDS)
        return _or(
            [
                {"prefix": {name: {"value": node.text, "boost": TEXT_FIELDS[name]}}}
                for name in targets
            ]
        )
    if isinstance(node, syntax.Match):
        return {"term": {f"kw_{node.field}": {"value": node.value}}}
    if isinstance(node, syntax.Range):
        return _range(node)
    if isinstance(node, syntax.Not):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [translate(node.child)]}}
    if isinstance(node, syntax.And):
        return _and([translate(child) for child in node.children])
    if isinstance(node, syntax.Or):
        return _or([translate(child) for child in node.children])
    raise TypeError(f"Unknown query node: {node!r}")


def _and(queries: list[Json]) -> Json:
    return queries[0] if len(queries) == 1 else {"bool": {"must": queries}}


def _or(queries: list[Json]) -> Json:
    return {"bool": {"should": queries, "minimum_should_match": 1}}


def _token(token: str, fields: tuple[str, ...] | None) -> Json:
    """One analysed token in any of the text fields, each with its boost."""
    targets = fields or tuple(TEXT_FIELDS)
    return _or([{"term": {name: {"value": token, "boost": TEXT_FIELDS[name]}}} for name in targets])


def _text(text: str, fields: tuple[str, ...] | None) -> Json:
    """Groups ANDed, of alternatives ORed, of tokens ANDed (portal.search.text.query_groups)."""
    groups = query_groups(text)
    if not groups:
        return {"match_all": {}}
    group_queries = []
    for alternatives in groups:
        options = [_and([_token(token, fields) for token in tokens]) for tokens in alternatives]
        group_queries.append(options[0] if len(options) == 1 else _or(options))
    return _and(group_queries)


def _phrase(text: str, fields: tuple[str, ...] | None) -> Json:
    words = [alternatives[0][0] for alternatives in query_groups(text)]
    if len(words) < 2:
        return _text(text, fields)
    slop = 0 if text.isascii() else 3  # search-mode segmentation inserts compound parts
    targets = fields or tuple(TEXT_FIELDS)
    return _or(
        [
            {
                "match_phrase": {
                    name: {
                        "query": " ".join(words),
                        "analyzer": "whitespace",
                        "slop": slop,
                        "boost": TEXT_FIELDS[name],
                    }
                }
            }
            for name in targets
        ]
    )


def _range(node: syntax.Range) -> Json:
    if node.lower is None and node.upper is None:
        return {"exists": {"field": node.field}}
    bounds: Json = {}
    if node.lower is not None:
        bounds["gte" if node.include_lower else "gt"] = iso(node.lower)
    if node.upper is not None:
        bounds["lte" if node.include_upper else "lt"] = iso(node.upper)
    return {"range": {node.field: bounds}}


def labels_filter(labels: list[str]) -> Json:
    return {"terms": {"labels": list(labels)}}


def sort_clauses(sort: list[tuple[str, bool]]) -> list[Json]:
    clauses: list[Json] = []
    for key, descending in sort or [("score", True)]:
        order = "desc" if descending else "asc"
        if key == "score":
            clauses.append({"_score": {"order": order}})
        else:
            # Keyword and date fields keep doc values (the mapping's default): all sortable.
            clauses.append({sort_field(key): {"order": order, "missing": "_last"}})
    clauses.append({"id": {"order": "asc"}})  # a stable order for paging
    return clauses


def search_body(request: SearchRequest) -> Json:
    """The `_search` body for a request: the query scores, filters and labels only filter."""
    start = max(request.start, 0)
    size = max(min(request.rows, MAX_RESULT_WINDOW - start), 0)
    body: Json = {
        "query": {
            "bool": {
                "must": [translate(request.query)],
                "filter": [translate(node) for node in request.filters]
                + [labels_filter(request.labels)],
            }
        },
        "from": start if size else 0,
        "size": size,
        "sort": sort_clauses(request.sort),
        "track_total_hits": True,
        "_source": ["data"],
    }
    aggregations = {
        name: {
            "terms": {
                "field": f"kw_{name}",
                "size": min(request.facet_limit, MAX_FACET_VALUES),
                "min_doc_count": max(request.facet_mincount, 1),
                "order": [{"_count": "desc"}, {"_key": "asc"}],
            }
        }
        for name in request.facet_fields
        if request.facet_limit > 0
    }
    if aggregations:
        body["aggs"] = aggregations
    return body


def suggest_body(prefix: str, labels: list[str], limit: int) -> Json:
    return {
        "query": {
            "bool": {"filter": [{"prefix": {"suggest": {"value": prefix}}}, labels_filter(labels)]}
        },
        "size": min(limit, MAX_RESULT_WINDOW),
        "sort": [
            {"metadata_modified": {"order": "desc", "missing": "_last"}},
            {"id": {"order": "asc"}},
        ],
        "track_total_hits": False,
        "_source": ["data"],
    }


def facets(request: SearchRequest, aggregations: Json) -> dict[str, dict[str, int]]:
    facets = {}
    for name in request.facet_fields:
        buckets = aggregations.get(name, {}).get("buckets", [])
        ordered = sorted(buckets, key=lambda b: (-b["doc_count"], str(b["key"])))
        facets[name] = {str(b["key"]): b["doc_count"] for b in ordered[: request.facet_limit]}
    return facets


def total(hits: Json) -> int:
    total = hits.get("total", 0)
    return int(total["value"] if isinstance(total, dict) else total)

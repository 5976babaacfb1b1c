"""The Elasticsearch index: its settings and mappings (every declared keyword field a
`keyword`, so filterable, facetable and sortable; the text fields through the `whitespace`
analyzer) and documents as stored (see portal.search.elasticsearch for the engine)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from portal.search.documents import TEXT_FIELDS
from portal.search.fields import DATE_FIELDS, FIELDS, NUMBER_FIELDS

MAX_RESULT_WINDOW = 200_000
REFRESH_INTERVAL = "1s"
KEYWORD_FIELDS = ("id", "labels", "suggest", "title_sort")

Json = dict[str, Any]


def index_definition(
    shards: int = 1, replicas: int | None = None, refresh_interval: str = REFRESH_INTERVAL
) -> Json:
    """Settings and mappings of a concrete index (without aliases)."""
    settings: Json = {
        "number_of_shards": shards,
        "max_result_window": MAX_RESULT_WINDOW,
        "refresh_interval": refresh_interval,
    }
    if replicas is None:
        settings["auto_expand_replicas"] = "0-1"
    else:
        settings["number_of_replicas"] = replicas
    properties: Json = {name: {"type": "text", "analyzer": "whitespace"} for name in TEXT_FIELDS}
    for name in FIELDS:
        properties[f"kw_{name}"] = {"type": "keyword"}
    for name in KEYWORD_FIELDS:
        properties[name] = {"type": "keyword"}
    for name in DATE_FIELDS:
        properties[name] = {"type": "date"}
    for name in NUMBER_FIELDS:  # popularity sort keys, refreshed by the usage flush
        properties[name] = {"type": "long"}
    # The dataset JSON, returned by searches: kept in _source only, never indexed.
    properties["data"] = {"type": "keyword", "index": False, "doc_values": False}
    return {
        "settings": {"index": settings},
        "mappings": {
            # Keyword fields that metadata profiles register later are mapped as keywords
            # when first seen (a rebuild maps them explicitly).
            "dynamic_templates": [
                {"keyword_fields": {"match": "kw_*", "mapping": {"type": "keyword"}}}
            ],
            "properties": properties,
        },
    }


def to_source(doc: dict[str, Any]) -> Json:
    """The document as stored: dates as ISO strings (naive UTC), as versions() returns them."""
    source = dict(doc)
    for name in DATE_FIELDS:
        if isinstance(source.get(name), datetime):
            source[name] = iso(source[name])
    return source


def iso(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()

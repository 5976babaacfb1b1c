"""Parsing CKAN's package_search parameters into a query the engines understand."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from portal.errors import SearchQueryError

FACETABLE = ("organization", "groups", "tags", "res_format", "license_id")
FILTERABLE = FACETABLE + ("name", "title", "state", "private", "type", "id", "owner_org")
SORTS = {
    "score desc": ("score", True),
    "metadata_modified desc": ("metadata_modified", True),
    "metadata_modified asc": ("metadata_modified", False),
    "metadata_created desc": ("metadata_created", True),
    "metadata_created asc": ("metadata_created", False),
    "title_string asc": ("title", False),
    "title_string desc": ("title", True),
    "name asc": ("name", False),
    "name desc": ("name", True),
}
_FILTER_RE = re.compile(r'\s*([+-]?)([a-z_]+):("(?:[^"\\]|\\.)*"|\S+)\s*')


@dataclass
class Filter:
    field: str
    value: str
    negate: bool = False


@dataclass
class SearchQuery:
    terms: list[str] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    sort: str = "score desc, metadata_modified desc"
    rows: int = 10
    start: int = 0
    facet_fields: list[str] = field(default_factory=list)
    facet_limit: int = 50
    facet_mincount: int = 1


def parse_filters(text: str) -> list[Filter]:
    filters, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _FILTER_RE.match(text, pos)
        if match is None:
            raise SearchQueryError(f"Cannot parse filter query: {text[pos : pos + 50]!r}")
        sign, name, value = match.groups()
        if name not in FILTERABLE:
            raise SearchQueryError(f"Unknown filter field: {name}")
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        filters.append(Filter(name, value, negate=sign == "-"))
        pos = match.end()
    return filters


def parse_q(q: str) -> tuple[list[str], list[Filter]]:
    """Split `q` into free-text terms and field:value filters."""
    terms, filters = [], []
    for token in re.findall(r'[+-]?[a-z_]+:"[^"]*"|"[^"]*"|\S+', q or ""):
        if re.match(r"^[+-]?[a-z_]+:", token) and token.split(":", 1)[0].lstrip("+-") in FILTERABLE:
            filters.extend(parse_filters(token))
        elif token not in ("AND", "OR", "*:*"):
            terms.append(token.strip('"'))
    return [t for t in terms if t], filters


def parse_facet_fields(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise SearchQueryError("facet.field must be a JSON list of field names") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SearchQueryError("facet.field must be a JSON list of field names")
    unknown = [v for v in value if v not in FACETABLE]
    if unknown:
        raise SearchQueryError(f"Cannot facet on: {', '.join(unknown)}")
    return value


def parse_sort(value: str | None) -> list[tuple[str, bool]]:
    value = value or "score desc, metadata_modified desc"
    keys = []
    for part in value.split(","):
        part = " ".join(part.split())
        if part not in SORTS:
            raise SearchQueryError(f"Cannot sort by: {part}")
        keys.append(SORTS[part])
    return keys

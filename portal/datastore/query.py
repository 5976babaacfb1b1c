"""datastore_search's SQL, built with SQLAlchemy Core from a table's declared fields: every
column a caller names (fields, filters, sort, q by field) must be one of them, identifiers are
quoted by SQLAlchemy and every value is a bound parameter.

`q` goes through the same analyzer as the catalog search (portal.search.text.query_groups):
each word must match (AND); a word matches one of its alternatives (a compound or its parts,
a glossary synonym), whose tokens must all be in the row's `_full_text`. On a table with a
full-text index (portal.datastore.engine) that is one MATCH (SQLite FTS5) or `@@` (PostgreSQL
GIN) expression with the same AND/OR shape; a table made before the index falls back to
`LIKE '% token %'` clauses, which find the same rows by scanning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, column, func, literal_column, or_, select, table, text
from sqlalchemy.sql import Select

from portal.datastore.engine import FTS_SUFFIX, FULL_TEXT, ID, PG_TSVECTOR, TableInfo, quote
from portal.datastore.types import ConversionError, to_db, to_python
from portal.errors import ValidationError
from portal.search.text import query_groups

MAX_LIMIT = 32_000
DEFAULT_LIMIT = 100
_SORT = re.compile(r'^\s*(?:"((?:[^"]|"")+)"|([^\s"]+))\s*(?:\s(asc|desc))?\s*$', re.IGNORECASE)


@dataclass
class Search:
    """What a caller asked for, checked against the table's fields."""

    info: TableInfo
    columns: list[str]
    filters: dict[str, list[Any]]
    q: str | dict[str, str] | None = None
    distinct: bool = False
    sort: list[tuple[str, bool]] | None = None  # (field, descending)
    # The table's full-text index, when it has one: "sqlite" (FTS5) or "postgresql" (GIN).
    full_text_index: str | None = None
    # SQLite: filter without the filtered columns' indexes, so the rows are read in the sort
    # column's index order (see portal.datastore.actions._walk_sort_index).
    walk_sort_index: bool = False

    @property
    def types(self) -> dict[str, str]:
        return {ID: "int", **self.info.types()}


def known_fields(info: TableInfo) -> list[str]:
    return [ID, *(f["id"] for f in info.fields)]


def _field(info: TableInfo, name: Any, key: str) -> str:
    if not isinstance(name, str) or name not in known_fields(info):
        raise ValidationError({key: [f"Field {str(name)[:80]!r} not in the table."]})
    return name


def parse_fields(info: TableInfo, value: Any) -> list[str]:
    if value in (None, "", []):
        return known_fields(info)
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, list):
        raise ValidationError({"fields": ["Give a list of field names."]})
    return [_field(info, v, "fields") for v in value]


def parse_filters(info: TableInfo, value: Any, dialect: str) -> dict[str, list[Any]]:
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValidationError({"filters": ["Filters must be a JSON object."]}) from None
    if not isinstance(value, dict):
        raise ValidationError({"filters": ["Filters must be an object of field: value."]})
    types = {ID: "int", **info.types()}
    parsed: dict[str, list[Any]] = {}
    for name, wanted in value.items():
        field = _field(info, name, "filters")
        values = wanted if isinstance(wanted, list) else [wanted]
        try:
            parsed[field] = [to_db(types[field], to_python(types[field], v), dialect)
                             for v in values]  # fmt: skip
        except ConversionError as exc:
            raise ValidationError({"filters": [f"{field}: {exc}"]}) from None
    return parsed


def parse_sort(info: TableInfo, value: Any) -> list[tuple[str, bool]] | None:
    if value in (None, "", []):
        return None
    parts = value if isinstance(value, list) else str(value).split(",")
    result = []
    for part in parts:
        match = _SORT.match(str(part))
        if not match:
            raise ValidationError({"sort": [f"Cannot sort by {str(part)[:80]!r}."]})
        name = match.group(1).replace('""', '"') if match.group(1) else match.group(2)
        result.append((_field(info, name, "sort"), (match.group(3) or "").lower() == "desc"))
    return result


def parse_q(info: TableInfo, value: Any) -> str | dict[str, str] | None:
    if value in (None, "", {}):
        return None
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, dict):
        return {_field(info, k, "q"): str(v) for k, v in value.items()}
    return str(value)


def _like(token: str) -> str:
    escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {escaped} %"


def _text_clause(text_value: str) -> Any:
    full = column(FULL_TEXT)
    groups = []
    for alternatives in query_groups(text_value):
        options = [and_(*(full.like(_like(t), escape="\\") for t in alt)) for alt in alternatives]
        groups.append(or_(*options))
    return and_(*groups) if groups else None


def _fts5_phrase(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _tsquery_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _indexed_text_clause(search: Search, text_value: str) -> Any:
    """The same AND of ORs of ANDs as `_text_clause`, as one full-text query."""
    sqlite = search.full_text_index == "sqlite"
    word, both, either = (
        (_fts5_phrase, " AND ", " OR ") if sqlite else (_tsquery_lexeme, " & ", " | ")
    )
    groups = [
        "(" + either.join("(" + both.join(word(t) for t in alt) + ")" for alt in alternatives) + ")"
        for alternatives in query_groups(text_value)
    ]
    groups = [g for g in groups if g not in ("()", "(())")]
    if not groups:
        return None
    expression = both.join(groups)
    if sqlite:
        name = search.info.resource_id + FTS_SUFFIX
        matching = (
            select(literal_column("rowid"))
            .select_from(table(name))
            .where(text(f"{quote(name)} MATCH :fts_query").bindparams(fts_query=expression))
        )
        return column(ID).in_(matching)
    return text(f"{PG_TSVECTOR} @@ CAST(:fts_query AS tsquery)").bindparams(fts_query=expression)


def _where(search: Search) -> list[Any]:
    clauses: list[Any] = []
    for name, values in search.filters.items():
        # SQLite's unary + keeps a column's value but not its index out of the plan.
        col = literal_column(f"+{quote(name)}") if search.walk_sort_index else column(name)
        clauses.append(col.is_(None) if values == [None] else col.in_(values))
    if isinstance(search.q, str):
        if search.full_text_index:
            clause = _indexed_text_clause(search, search.q)
        else:
            clause = _text_clause(search.q)
        if clause is not None:
            clauses.append(clause)
    elif isinstance(search.q, dict):
        for name, text_value in search.q.items():
            pattern = (
                "%" + text_value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
            clauses.append(func.lower(column(name)).like(pattern.lower(), escape="\\"))
    return clauses


def rows_query(search: Search) -> Select:
    """The SELECT of the matching rows, sorted, without limit or offset."""
    names = set(known_fields(search.info)) | {FULL_TEXT}
    source = table(search.info.resource_id, *(column(n) for n in names))
    query = select(*(source.c[n] for n in search.columns)).select_from(source)
    for clause in _where(search):
        query = query.where(clause)
    if search.distinct:
        query = query.distinct()
    order = [(source.c[n].desc() if desc else source.c[n].asc()) for n, desc in (search.sort or [])]
    if not order and not search.distinct:
        order = [source.c[ID].asc()]  # stable pages
    return query.order_by(*order)


def count_query(search: Search) -> Select:
    inner = rows_query(search).order_by(None).subquery()
    return select(func.count()).select_from(inner)

"""A search engine on the metadata database itself: substring matching, SQL facets.

Correct on any catalog size but slow on large ones; the default engine for catalogs without a
search index, and the reference the other engines are checked against.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from portal.catalog.models import (
    Dataset,
    Group,
    Organization,
    Resource,
    Tag,
    dataset_group,
    dataset_tag,
)
from portal.search.query import Filter, SearchQuery, parse_sort


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _has_tag(condition: ColumnElement) -> ColumnElement:
    return exists(
        select(dataset_tag.c.dataset_id)
        .join(Tag, Tag.id == dataset_tag.c.tag_id)
        .where(dataset_tag.c.dataset_id == Dataset.id, condition)
    )


def _has_group(condition: ColumnElement) -> ColumnElement:
    return exists(
        select(dataset_group.c.dataset_id)
        .join(Group, Group.id == dataset_group.c.group_id)
        .where(dataset_group.c.dataset_id == Dataset.id, condition)
    )


def _has_resource(condition: ColumnElement) -> ColumnElement:
    return exists(
        select(Resource.id).where(
            Resource.package_id == Dataset.id, Resource.state == "active", condition
        )
    )


def _term_clause(term: str) -> ColumnElement:
    pattern = _like(term)
    org_match = exists(
        select(Organization.id).where(
            Organization.id == Dataset.owner_org,
            or_(
                Organization.title.ilike(pattern, escape="\\"),
                Organization.name.ilike(pattern, escape="\\"),
            ),
        )
    )
    return or_(
        Dataset.title.ilike(pattern, escape="\\"),
        Dataset.title_en.ilike(pattern, escape="\\"),
        Dataset.name.ilike(pattern, escape="\\"),
        Dataset.notes.ilike(pattern, escape="\\"),
        _has_tag(Tag.name.ilike(pattern, escape="\\")),
        _has_resource(
            or_(
                Resource.name.ilike(pattern, escape="\\"),
                Resource.description.ilike(pattern, escape="\\"),
            )
        ),
        org_match,
    )


def _filter_clause(flt: Filter) -> ColumnElement:
    value = flt.value
    if flt.field == "organization":
        clause = exists(
            select(Organization.id).where(
                Organization.id == Dataset.owner_org,
                or_(Organization.name == value, Organization.id == value),
            )
        )
    elif flt.field == "owner_org":
        clause = Dataset.owner_org == value
    elif flt.field == "groups":
        clause = _has_group(or_(Group.name == value, Group.id == value))
    elif flt.field == "tags":
        clause = _has_tag(Tag.name == value)
    elif flt.field == "res_format":
        clause = _has_resource(func.upper(Resource.format) == value.upper())
    elif flt.field == "private":
        clause = Dataset.private.is_(value.lower() == "true")
    else:
        clause = getattr(Dataset, flt.field) == value
    return not_(clause) if flt.negate else clause


def _order(query: Select, sort: str) -> Select:
    columns = {
        "metadata_modified": Dataset.metadata_modified,
        "metadata_created": Dataset.metadata_created,
        "title": Dataset.title,
        "name": Dataset.name,
    }
    order = []
    for key, descending in parse_sort(sort):
        if key == "score":
            continue  # no relevance in this engine: fall through to the next key
        column = columns[key]
        order.append(column.desc() if descending else column.asc())
    order.append(Dataset.metadata_modified.desc())
    return query.order_by(*order, Dataset.id)


FACET_COLUMNS: dict[str, Any] = {
    "organization": lambda ids: (
        select(Organization.name, func.count())
        .join(Dataset, Dataset.owner_org == Organization.id)
        .where(Dataset.id.in_(ids))
        .group_by(Organization.name)
    ),
    "groups": lambda ids: (
        select(Group.name, func.count())
        .join(dataset_group, dataset_group.c.group_id == Group.id)
        .where(dataset_group.c.dataset_id.in_(ids))
        .group_by(Group.name)
    ),
    "tags": lambda ids: (
        select(Tag.name, func.count())
        .join(dataset_tag, dataset_tag.c.tag_id == Tag.id)
        .where(dataset_tag.c.dataset_id.in_(ids))
        .group_by(Tag.name)
    ),
    "res_format": lambda ids: (
        select(func.upper(Resource.format), func.count(func.distinct(Resource.package_id)))
        .where(Resource.package_id.in_(ids), Resource.state == "active", Resource.format != "")
        .group_by(func.upper(Resource.format))
    ),
    "license_id": lambda ids: (
        select(Dataset.license_id, func.count())
        .where(Dataset.id.in_(ids), Dataset.license_id.is_not(None))
        .group_by(Dataset.license_id)
    ),
}


def search(
    session: Session, query: SearchQuery, visible: ColumnElement
) -> tuple[list[str], int, dict[str, dict[str, int]]]:
    """Return (ids of the requested page, total count, facet counts)."""
    conditions = [visible]
    conditions += [_term_clause(t) for t in query.terms]
    conditions += [_filter_clause(f) for f in query.filters]
    matching = select(Dataset.id).where(and_(*conditions))
    count = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    page = _order(matching, query.sort).offset(query.start).limit(query.rows)
    ids = list(session.scalars(page))
    facets = {}
    for name in query.facet_fields:
        rows = session.execute(FACET_COLUMNS[name](matching.scalar_subquery()))
        counts = {value: n for value, n in rows if value and n >= query.facet_mincount}
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: query.facet_limit]
        facets[name] = dict(top)
    return ids, count, facets

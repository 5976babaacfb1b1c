"""package_search with CKAN's parameters and result shape."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import ColumnElement, and_, false, or_, select

from portal.actions import Context, action, validate
from portal.auth.permissions import editable_org_ids, readable_org_ids
from portal.catalog.actions.datasets import show_dict
from portal.catalog.models import Dataset, Group, Organization
from portal.catalog.queries import dataset_loads
from portal.fields import LenientSchema
from portal.search import database
from portal.search.query import (
    SearchQuery,
    parse_facet_fields,
    parse_filters,
    parse_q,
    parse_sort,
)


class SearchSchema(LenientSchema):
    q = fields.String(load_default="", validate=v.Length(max=1000))
    fq = fields.String(load_default="", validate=v.Length(max=2000))
    fq_list = fields.List(fields.String(validate=v.Length(max=2000)), load_default=list)
    sort = fields.String(load_default=None, validate=v.Length(max=200))
    rows = fields.Integer(load_default=10, validate=v.Range(min=0, max=1000))
    start = fields.Integer(load_default=0, validate=v.Range(min=0))
    facet = fields.Raw(load_default=True, data_key="facet")
    facet_field = fields.Raw(load_default=None, data_key="facet.field")
    facet_limit = fields.Integer(load_default=50, data_key="facet.limit")
    facet_mincount = fields.Integer(load_default=1, data_key="facet.mincount")
    include_private = fields.Boolean(load_default=False)
    include_drafts = fields.Boolean(load_default=False)
    fl = fields.String(load_default=None)


def visibility(context: Context, include_private: bool, include_drafts: bool) -> ColumnElement:
    """What the caller may find: public active datasets, plus private and drafts on request."""
    public = and_(Dataset.state == "active", Dataset.private.is_(False))
    clauses = [public]
    if include_private:
        if context.is_sysadmin:
            clauses.append(Dataset.state == "active")
        elif readable_org_ids(context):
            clauses.append(
                and_(Dataset.state == "active", Dataset.owner_org.in_(readable_org_ids(context)))
            )
    if include_drafts and context.user is not None:
        if context.is_sysadmin:
            clauses.append(Dataset.state == "draft")
        else:
            editable = editable_org_ids(context)
            own = Dataset.creator_user_id == context.user.id
            in_org = Dataset.owner_org.in_(editable) if editable else false()
            clauses.append(and_(Dataset.state == "draft", or_(own, in_org)))
    return or_(*clauses)


def build_query(args: dict[str, Any]) -> SearchQuery:
    terms, filters = parse_q(args["q"])
    for fq in [args["fq"], *args["fq_list"]]:
        filters += parse_filters(fq)
    parse_sort(args["sort"])  # reject a bad sort before searching
    facet_fields = parse_facet_fields(args["facet_field"])
    return SearchQuery(
        terms=terms,
        filters=filters,
        sort=args["sort"] or "score desc, metadata_modified desc",
        rows=args["rows"],
        start=args["start"],
        facet_fields=facet_fields,
        facet_limit=args["facet_limit"] if args["facet_limit"] >= 0 else 10_000,
        facet_mincount=args["facet_mincount"],
    )


def search_facets(context: Context, facets: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
    """CKAN's search_facets: items with display names (department and theme titles)."""
    titles: dict[str, dict[str, str]] = {"organization": {}, "groups": {}}
    if facets.get("organization"):
        rows = context.session.execute(
            select(Organization.name, Organization.title).where(
                Organization.name.in_(facets["organization"])
            )
        )
        titles["organization"] = dict(rows.tuples())
    if facets.get("groups"):
        rows = context.session.execute(
            select(Group.name, Group.title).where(Group.name.in_(facets["groups"]))
        )
        titles["groups"] = dict(rows.tuples())
    result = {}
    for name, counts in facets.items():
        names = titles.get(name, {})
        result[name] = {
            "title": name,
            "items": [
                {"name": value, "display_name": names.get(value, value), "count": count}
                for value, count in counts.items()
            ],
        }
    return result


@action(side_effect_free=True, schema=SearchSchema)
def package_search(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Search datasets with CKAN's q / fq / sort / rows / start / facet parameters."""
    args = validate(SearchSchema(), data_dict)
    query = build_query(args)
    visible = visibility(context, args["include_private"], args["include_drafts"])
    ids, count, facets = database.search(context.session, query, visible)
    datasets = {
        d.id: d
        for d in context.session.scalars(
            select(Dataset).where(Dataset.id.in_(ids)).options(*dataset_loads())
        )
    }
    results = [show_dict(context, datasets[i]) for i in ids if i in datasets]
    if args["fl"]:
        keys = [k.strip() for k in args["fl"].split(",") if k.strip()]
        results = [{k: r.get(k) for k in keys} for r in results]
    return {
        "count": count,
        "results": results,
        "sort": query.sort,
        "facets": facets,
        "search_facets": search_facets(context, facets),
    }

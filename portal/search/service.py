"""package_search and autocomplete on the configured engine, with CKAN's result shape."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select

from portal.access.guard import annotate_search_results
from portal.actions import Context
from portal.auth.permissions import collaborations, editable_org_ids, readable_org_ids
from portal.catalog.models import Group, Organization
from portal.errors import SearchError, SearchQueryError
from portal.search import syntax
from portal.search.engine import SearchRequest, SearchUnavailable
from portal.search.fields import FIELDS, sorts
from portal.search.highlight import highlight, query_words
from portal.search.index import engine
from portal.search.text import fold

DEFAULT_SORT = "score desc, metadata_modified desc"


def labels(context: Context, include_private: bool, include_drafts: bool) -> list[str]:
    """The permission labels the caller may see (see documents.permission_labels)."""
    found = ["public"]
    if context.is_sysadmin:
        orgs = set(context.session.scalars(select(Organization.id)))
        readable, editable = orgs | {"none"}, orgs | {"none"}
    else:
        readable, editable = readable_org_ids(context), editable_org_ids(context)
    if include_private:
        found += [f"private:{org}" for org in sorted(readable)]
        found += [f"dataset:{package_id}" for package_id in sorted(collaborations(context))]
    if include_drafts and context.user is not None:
        found += [f"draft:{org}" for org in sorted(editable)]
        found.append(f"creator:{context.user.id}")
    return found


def parse_sort(value: str | None) -> list[tuple[str, bool]]:
    keys = []
    known = sorts()
    for part in (value or DEFAULT_SORT).split(","):
        part = " ".join(part.split())
        if part not in known:
            raise SearchQueryError(f"Cannot sort by: {part!r}")
        keys.append(known[part])
    return keys


def parse_facet_fields(value: Any) -> list[str]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise SearchQueryError('facet.field must be a JSON list, e.g. ["tags"]') from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SearchQueryError('facet.field must be a JSON list, e.g. ["tags"]')
    unknown = [v for v in value if v not in FIELDS or not FIELDS[v].facetable]
    if unknown:
        raise SearchQueryError(f"Cannot facet on: {', '.join(unknown)}")
    return list(dict.fromkeys(value))


def search(context: Context, args: dict[str, Any]) -> dict[str, Any]:
    query = syntax.parse(args["q"])
    filters = [syntax.parse(fq) for fq in [args["fq"], *args["fq_list"]] if fq and fq.strip()]
    request = SearchRequest(
        query=query,
        filters=filters,
        labels=labels(context, args["include_private"], args["include_drafts"]),
        sort=parse_sort(args["sort"]),
        rows=args["rows"],
        start=args["start"],
        facet_fields=parse_facet_fields(args["facet_field"]) if args["facet"] else [],
        facet_limit=args["facet_limit"] if args["facet_limit"] >= 0 else 1000,
        facet_mincount=args["facet_mincount"],
    )
    try:
        hits = engine(context.app).search(request)
    except SearchUnavailable as exc:
        raise SearchError(f"Search is unavailable right now: {exc}") from None
    words = query_words(query)
    results = []
    for dataset in hits.datasets:
        dataset["highlight"] = highlight(dataset, words)
        results.append(dataset)
    # The resources' conditional-opening verdict, as package_show gives it (one grant query).
    annotate_search_results(context, results)
    if args["fl"]:
        keys = [k.strip() for k in args["fl"].split(",") if k.strip()]
        results = [{k: r.get(k) for k in keys} for r in results]
    return {
        "count": hits.count,
        "results": results,
        "sort": args["sort"] or DEFAULT_SORT,
        "facets": hits.facets,
        "search_facets": search_facets(context, hits.facets),
    }


# Display names of department and theme facet values: prebuilt Core statements, run on the
# session's connection (an ORM select per search cost more than the lookup itself).
TITLES = {
    name: select(table.c.name, table.c.title).where(
        table.c.name.in_(bindparam("names", expanding=True))
    )
    for name, table in (("organization", Organization.__table__), ("groups", Group.__table__))
}


def search_facets(context: Context, facets: dict[str, dict[str, int]]) -> dict[str, Any]:
    """CKAN's search_facets: items with display names (department and theme titles)."""
    titles: dict[str, dict[str, str]] = {}
    for name, statement in TITLES.items():
        if facets.get(name):
            rows = context.session.connection().execute(
                statement, {"names": list(facets[name])}
            )
            titles[name] = {value: title for value, title in rows}
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


def autocomplete(context: Context, q: str, limit: int) -> list[dict[str, Any]]:
    """CKAN's package_autocomplete result: name, title, match_field, match_displayed."""
    prefix = fold(q.strip())
    if not prefix:
        return []
    found = engine(context.app).suggest(prefix, labels(context, False, False), limit)
    return [
        {
            "name": d["name"],
            "title": d["title"],
            "match_field": "title",
            "match_displayed": f"{d['title']} ({d['name']})",
        }
        for d in found
    ]

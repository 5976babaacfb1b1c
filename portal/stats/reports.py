"""The public statistics (/stats and its CSV files): `stats_catalog` (what is published, by
department, theme, format, licence, opening type and quality band), `stats_growth` (datasets
published per month) and `stats_usage` (downloads, page views and searches per month).

Only public, active datasets count: the catalog figures come from package_search without
include_private or include_drafts, so every caller sees the public catalog, and the monthly
queries join the dataset table on the same rule. Nothing here names a person or shows one
search.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import func, select

from portal.actions import Context, action, call, validate
from portal.catalog.models import Dataset, Group, Organization
from portal.fields import LenientSchema
from portal.stats.cache import cached
from portal.stats.counting import today
from portal.stats.models import SearchTermCount, UsageRollup

CATALOG_FACETS = ("organization", "groups", "res_format", "license_id", "open_type", "quality")


class MonthsSchema(LenientSchema):
    months = fields.Integer(
        load_default=12,
        validate=v.Range(min=1, max=120),
        metadata={"description": "The last N calendar months, this one included."},
    )


@action(side_effect_free=True, schema=LenientSchema)
@cached
def stats_catalog(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Public datasets in all and per department, theme, format, licence, opening type and
    quality band (each: name, display_name, count; largest first)."""
    # Without include_private and include_drafts every caller's search has public labels only.
    result = call(
        "package_search",
        context,
        {
            "rows": 0,
            "facet.field": list(CATALOG_FACETS),
            "facet.limit": 100,
            "facet.mincount": 1,
        },
    )
    facets = {}
    english = _english_titles(context)
    for name in CATALOG_FACETS:
        items = result["search_facets"].get(name, {}).get("items", [])
        facets[name] = sorted(
            ({"name": i["name"], "display_name": i["display_name"], "count": i["count"],
              **english.get(name, {}).get(i["name"], {})}
             for i in items),
            key=lambda item: (-item["count"], item["name"]),
        )  # fmt: skip
    return {"datasets": result["count"], "facets": facets}


def _english_titles(context: Context) -> dict[str, dict[str, dict[str, str]]]:
    """The English titles of departments and themes (`title_en`), so the page labels its
    charts in either language without listing every department and theme per request."""
    found: dict[str, dict[str, dict[str, str]]] = {"organization": {}, "groups": {}}
    for facet, model in (("organization", Organization), ("groups", Group)):
        query = select(model.name, model.title_en).where(model.title_en.is_not(None))
        for name, title_en in context.session.execute(query):
            found[facet][name] = {"title_en": title_en}
    return found


@action(side_effect_free=True, schema=MonthsSchema)
@cached
def stats_growth(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Public datasets first published per month, and the running total at each month's end."""
    args = validate(MonthsSchema(), data_dict)
    months = month_range(args["months"])
    month = month_key(context, Dataset.metadata_created)
    public = (Dataset.state == "active", Dataset.private.is_(False))
    rows = dict(
        context.session.execute(select(month, func.count()).where(*public).group_by(month)).all()
    )
    before = sum(count for key, count in rows.items() if key < months[0])
    series = []
    for key in months:
        before += rows.get(key, 0)
        series.append({"month": key, "new": rows.get(key, 0), "total": before})
    return series


@action(side_effect_free=True, schema=MonthsSchema)
@cached
def stats_usage(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Per month: downloads and page views of public datasets, and searches made.

    Views and downloads count while their dataset is public (portal.stats.models.UsageRollup)."""
    args = validate(MonthsSchema(), data_dict)
    months = month_range(args["months"])
    start = date.fromisoformat(months[0] + "-01")
    figures: dict[str, dict[str, int]] = {key: {} for key in ("downloads", "views", "searches")}
    # Every counted public dataset has one department row a day ("" for none): the totals.
    month = month_key(context, UsageRollup.day)
    query = (
        select(month, func.sum(UsageRollup.views), func.sum(UsageRollup.downloads))
        .where(UsageRollup.day >= start, UsageRollup.kind == "department")
        .group_by(month)
    )
    for key, views, downloads in context.session.execute(query):
        figures["views"][key], figures["downloads"][key] = int(views or 0), int(downloads or 0)
    month = month_key(context, SearchTermCount.day)
    query = (
        select(month, func.sum(SearchTermCount.count))
        .where(SearchTermCount.day >= start)
        .group_by(month)
    )
    figures["searches"] = {m: int(n or 0) for m, n in context.session.execute(query)}
    return [
        {"month": key, **{name: figures[name].get(key, 0) for name in figures}} for key in months
    ]


def month_range(months: int) -> list[str]:
    """The last `months` calendar months as YYYY-MM, oldest first."""
    year, month = today().year, today().month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def month_key(context: Context, column: Any) -> Any:
    """YYYY-MM of a date or timestamp column, in the database's own dialect."""
    if context.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)

"""Usage statistics actions: `package_popular` (the most downloaded datasets),
`package_download_stats` (one dataset's counts: CKAN's `tracking_summary` and more),
`package_view_stats` (its page views) and `stats_search_terms` (what visitors search for).

Visibility comes from the catalog's read actions: package_popular only ranks active public
datasets and then fetches them through package_search, package_download_stats and
package_view_stats call package_show first, so nobody learns counts of a dataset they may not
see. Search terms are public, but a term searched fewer than MIN_PUBLIC_COUNT times is shown to
department staff only: one person's query is never published.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import and_, case, func, select

from portal.actions import Context, action, call, validate
from portal.auth.permissions import user_roles
from portal.catalog.models import Dataset
from portal.fields import REQUIRED, LenientSchema
from portal.stats.cache import cached
from portal.stats.counting import today
from portal.stats.models import DatasetViewCount, DownloadCount, DownloadTotal, SearchTermCount

RECENT_DAYS = 14  # CKAN's tracking_summary "recent"
BY_DAY_DAYS = 30
MIN_PUBLIC_COUNT = 3  # searches of a term before anyone but staff sees it


class PackagePopularSchema(LenientSchema):
    limit = fields.Integer(
        load_default=6,
        validate=v.Range(min=1, max=100),
        metadata={"description": "How many datasets to return."},
    )
    days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=v.Range(min=1, max=3650),
        metadata={
            "description": "Count only the last N days (today included); all time if left out."
        },
    )


class PackageDownloadStatsSchema(LenientSchema):
    id = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=v.Length(min=1, max=100),
        metadata={"description": "The dataset's id or name."},
    )


class StatsSearchTermsSchema(LenientSchema):
    days = fields.Integer(
        load_default=30,
        validate=v.Range(min=1, max=366),
        metadata={"description": "The last N days (today included)."},
    )
    limit = fields.Integer(
        load_default=20,
        validate=v.Range(min=1, max=100),
        metadata={"description": "How many terms to return."},
    )
    zero_results = fields.Boolean(
        load_default=False,
        metadata={"description": "Only queries whose latest search found no dataset."},
    )


def first_day(days: int, end: date | None = None) -> date:
    """The first day of a window of `days` days ending today (or `end`)."""
    return (end or today()) - timedelta(days=days - 1)


@action(side_effect_free=True, schema=PackagePopularSchema)
def package_popular(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The most downloaded public datasets, most downloads first, each with `downloads`.

    Only active public datasets are ranked; ties are ordered by name. The datasets are the
    dicts package_search returns. Downloads of uploaded files and followed resource links
    are counted (not robots, not HEAD requests), per day in UTC."""
    args = validate(PackagePopularSchema(), data_dict)
    if args["days"]:  # sums the window's daily rows
        downloads = func.sum(DownloadCount.count).label("downloads")
        query = (
            select(DownloadCount.dataset_id, downloads)
            .join(Dataset, Dataset.id == DownloadCount.dataset_id)
            .where(DownloadCount.day >= first_day(args["days"]))
            .group_by(DownloadCount.dataset_id, Dataset.name)
        )
    else:  # all time: the running totals, one indexed row per dataset
        downloads = DownloadTotal.count
        query = select(DownloadTotal.dataset_id, downloads).join(
            Dataset, Dataset.id == DownloadTotal.dataset_id
        )
    query = (
        query.where(Dataset.state == "active", Dataset.private.is_(False))
        .order_by(downloads.desc(), Dataset.name)
        .limit(args["limit"])
    )
    ranked = {dataset_id: int(count) for dataset_id, count in context.session.execute(query)}
    if not ranked:
        return []
    found = call(
        "package_search",
        context,
        {
            "fq": "id:(" + " OR ".join(_quoted(i) for i in ranked) + ")",
            "rows": len(ranked),
            "facet": False,
        },
    )
    by_id = {d["id"]: d for d in found["results"]}
    # The ranking's order; a dataset the search does not return (not indexed yet) is left out.
    return [{**by_id[i], "downloads": n} for i, n in ranked.items() if i in by_id]


@action(side_effect_free=True, schema=PackageDownloadStatsSchema)
def package_download_stats(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A dataset's downloads: all time, the last 14 days, per resource, and per day.

    CKAN's package_show with include_tracking adds `tracking_summary` ({total, recent}) to a
    dataset and its resources; this action returns the same figures (recent: the last 14 days,
    today included) for everyone who may see the dataset, with `by_day` over the last 30 days
    (oldest first, days without downloads as 0). `resources` holds the dataset's current
    resources; `total` also counts downloads of resources removed since."""
    args = validate(PackageDownloadStatsSchema(), data_dict)
    dataset = call("package_show", context, {"id": args["id"]})
    end = today()
    recent_start = first_day(RECENT_DAYS, end)
    by_day_start = first_day(BY_DAY_DAYS, end)
    recent = func.sum(case((DownloadCount.day >= recent_start, DownloadCount.count), else_=0))
    per_resource = {
        resource_id: (int(total or 0), int(recent_count or 0))
        for resource_id, total, recent_count in context.session.execute(
            select(DownloadCount.resource_id, func.sum(DownloadCount.count), recent)
            .where(DownloadCount.dataset_id == dataset["id"])
            .group_by(DownloadCount.resource_id)
        )
    }
    per_day = {
        day: int(count or 0)
        for day, count in context.session.execute(
            select(DownloadCount.day, func.sum(DownloadCount.count))
            .where(DownloadCount.dataset_id == dataset["id"], DownloadCount.day >= by_day_start)
            .group_by(DownloadCount.day)
        )
    }
    resources = {}
    for resource in dataset.get("resources") or []:
        total, recent_count = per_resource.get(resource["id"], (0, 0))
        resources[resource["id"]] = {"total": total, "recent": recent_count}
    days = [by_day_start + timedelta(days=n) for n in range(BY_DAY_DAYS)]
    return {
        "total": sum(total for total, _ in per_resource.values()),
        "recent": sum(recent_count for _, recent_count in per_resource.values()),
        "resources": resources,
        "by_day": [{"day": day.isoformat(), "count": per_day.get(day, 0)} for day in days],
    }


@action(side_effect_free=True, schema=PackageDownloadStatsSchema)
def package_view_stats(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A dataset's page views: all time, the last 14 days (today included), and per day over
    the last 30 (oldest first, 0 where none), for everyone who may see the dataset.

    Views by people are counted (not robots, not HEAD requests), per day in UTC, a few
    seconds late (they are written in batches); views while the dataset is private or a
    draft are not counted at all."""
    args = validate(PackageDownloadStatsSchema(), data_dict)
    dataset = call("package_show", context, {"id": args["id"]})
    end = today()
    recent_start = first_day(RECENT_DAYS, end)
    by_day_start = first_day(BY_DAY_DAYS, end)
    recent = func.sum(case((DatasetViewCount.day >= recent_start, DatasetViewCount.count), else_=0))
    total, recent_count = context.session.execute(
        select(func.sum(DatasetViewCount.count), recent).where(
            DatasetViewCount.dataset_id == dataset["id"]
        )
    ).one()
    per_day = {
        day: int(count)
        for day, count in context.session.execute(
            select(DatasetViewCount.day, DatasetViewCount.count).where(
                DatasetViewCount.dataset_id == dataset["id"],
                DatasetViewCount.day >= by_day_start,
            )
        )
    }
    days = [by_day_start + timedelta(days=n) for n in range(BY_DAY_DAYS)]
    return {
        "total": int(total or 0),
        "recent": int(recent_count or 0),
        "by_day": [{"day": day.isoformat(), "count": per_day.get(day, 0)} for day in days],
    }


def _audience(context: Context) -> str:
    """Who sees which terms: staff see the rare ones too."""
    return "staff" if context.is_sysadmin or user_roles(context) else "public"


@action(side_effect_free=True, schema=StatsSearchTermsSchema)
@cached(audience=_audience)
def stats_search_terms(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The most searched terms of the last `days` days, most searched first (ties by term),
    each with `count` (searches) and `results` (datasets its latest search found).

    Queries are normalised (trimmed, spaces collapsed, Latin lowercased) and counted from the
    search page and package_search, first page only, robots left out. By default only terms
    that found datasets; `zero_results` lists the ones that found none, the catalog's gaps.
    Terms searched fewer than 3 times in the window are listed for department staff and
    sysadmins only."""
    args = validate(StatsSearchTermsSchema(), data_dict)
    term, day = SearchTermCount.term, SearchTermCount.day
    window = (
        select(term, func.sum(SearchTermCount.count).label("count"), func.max(day).label("last"))
        .where(day >= first_day(args["days"]))
        .group_by(term)
        .subquery()
    )
    latest = SearchTermCount.results  # of the term's row on its latest day in the window
    query = select(window.c.term, window.c.count, latest).join(
        SearchTermCount, and_(term == window.c.term, day == window.c.last)
    )
    query = query.where(latest == 0) if args["zero_results"] else query.where(latest > 0)
    if _audience(context) == "public":
        query = query.where(window.c.count >= MIN_PUBLIC_COUNT)
    query = query.order_by(window.c.count.desc(), window.c.term).limit(args["limit"])
    return [
        {"term": name, "count": int(count), "results": int(results)}
        for name, count, results in context.session.execute(query)
    ]


def _quoted(value: str) -> str:
    """A phrase for a search filter (portal.search.syntax unquotes only \\")."""
    return '"' + value.replace('"', '\\"') + '"'

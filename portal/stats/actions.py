"""Download statistics actions: `package_popular` (the most downloaded datasets) and
`package_download_stats` (one dataset's counts: CKAN's `tracking_summary` and more).

Visibility comes from the catalog's read actions: package_popular only ranks active public
datasets and then fetches them through package_search, package_download_stats calls
package_show first, so nobody learns counts of a dataset they may not see.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import case, func, select

from portal.actions import Context, action, call, validate
from portal.catalog.models import Dataset
from portal.fields import REQUIRED, LenientSchema
from portal.stats.counting import today
from portal.stats.models import DownloadCount, DownloadTotal

RECENT_DAYS = 14  # CKAN's tracking_summary "recent"
BY_DAY_DAYS = 30


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


def _quoted(value: str) -> str:
    """A phrase for a search filter (portal.search.syntax unquotes only \\")."""
    return '"' + value.replace('"', '\\"') + '"'

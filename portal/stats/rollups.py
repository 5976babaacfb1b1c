"""Usage figures rolled up per department or theme, per day or month (`stats_usage_rollup`),
one department's own figures (`stats_department`) and the zero-result searches touching its
themes (`stats_department_searches`), all computed from the daily counts.

Public figures only: views and downloads count for active public datasets, added up per day,
department and theme as they are counted (portal.stats.models.UsageRollup: counted while the
dataset is public, for the department and themes it had then; `portal stats rebuild` applies
the catalog as it is now). Searches are not tied to datasets: a term counts for the themes
it touches (portal.stats.themes) and for the departments those themes belong to.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import and_, func, select

from portal.actions import Context, action, call, validate
from portal.auth.permissions import has_role
from portal.catalog.models import Dataset, Group, Organization, Resource
from portal.errors import NotAuthorized
from portal.fields import REQUIRED, LenientSchema
from portal.stats.actions import first_day
from portal.stats.cache import cached
from portal.stats.models import DatasetViewCount, SearchTermCount, UsageRollup
from portal.stats.reports import month_key, month_range
from portal.stats.themes import Matcher, keywords

PUBLIC = (Dataset.state == "active", Dataset.private.is_(False))
DEPARTMENT_DAYS = 30
MAX_GAP_TERMS = 5000  # zero-result terms of a window matched against a department's themes


class RollupSchema(LenientSchema):
    group_by = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=v.OneOf(["department", "theme"]),
        metadata={"description": "department or theme."},
    )
    period = fields.String(
        load_default="month",
        validate=v.OneOf(["day", "month"]),
        metadata={"description": "day or month (default)."},
    )
    months = fields.Integer(
        load_default=12,
        validate=v.Range(min=1, max=120),
        metadata={"description": "period=month: the last N calendar months, this one included."},
    )
    days = fields.Integer(
        load_default=30,
        validate=v.Range(min=1, max=366),
        metadata={"description": "period=day: the last N days, today included."},
    )


class DepartmentSchema(LenientSchema):
    id = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=v.Length(min=1, max=100),
        metadata={"description": "The department's id or name."},
    )


class DepartmentSearchesSchema(DepartmentSchema):
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


@action(side_effect_free=True, schema=RollupSchema)
@cached
def stats_usage_rollup(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Page views, downloads and searches per department or theme and per day or month.

    One row per period and department (or theme) with any figure, oldest period first, then
    by name: `period` (YYYY-MM or YYYY-MM-DD), `name`, `display_name`, `views`, `downloads`,
    `searches`. Views and downloads are of public datasets; searches are the terms touching
    the theme's words (its name and titles) or, for a department, those of its themes."""
    args = validate(RollupSchema(), data_dict)
    if args["period"] == "month":
        start = date.fromisoformat(month_range(args["months"])[0] + "-01")
    else:
        start = first_day(args["days"])
    by_theme = args["group_by"] == "theme"
    figures: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"views": 0, "downloads": 0, "searches": 0}
    )
    for period, owner, views, downloads in _dataset_counts(context, start, args, by_theme):
        counts = figures[(_period(period, args["period"]), owner)]
        counts["views"] += int(views or 0)
        counts["downloads"] += int(downloads or 0)
    labels, matcher = _groups(context, by_theme)
    for period, term, count in _term_counts(context, start, args["period"]):
        for owner in matcher.touched(term):
            figures[(_period(period, args["period"]), owner)]["searches"] += int(count or 0)
    rows = [
        {"period": period, "name": labels[owner][0], "display_name": labels[owner][1], **counts}
        for (period, owner), counts in figures.items()
        if owner in labels
    ]
    return sorted(rows, key=lambda row: (row["period"], row["name"]))


def _dataset_counts(context: Context, start: date, args: dict[str, Any], by_theme: bool) -> Any:
    day = UsageRollup.day
    period = month_key(context, day) if args["period"] == "month" else day
    kind = "theme" if by_theme else "department"
    views, downloads = func.sum(UsageRollup.views), func.sum(UsageRollup.downloads)
    return context.session.execute(
        select(period, UsageRollup.key, views, downloads)
        .where(day >= start, UsageRollup.kind == kind)
        .group_by(period, UsageRollup.key)
    )


def _term_counts(context: Context, start: date, period_kind: str) -> Any:
    day = SearchTermCount.day
    period = month_key(context, day) if period_kind == "month" else day
    return context.session.execute(
        select(period, SearchTermCount.term, func.sum(SearchTermCount.count))
        .where(day >= start)
        .group_by(period, SearchTermCount.term)
    )


def _groups(context: Context, by_theme: bool) -> tuple[dict[str, tuple[str, str]], Matcher]:
    """id -> (name, title) of the active themes or departments, and the terms' matcher."""
    themes = {
        g.id: g
        for g in context.session.execute(
            select(Group.id, Group.name, Group.title, Group.title_en).where(
                Group.state == "active"
            )
        )
    }
    theme_words = {gid: keywords([g.name, g.title, g.title_en]) for gid, g in themes.items()}
    if by_theme:
        labels = {gid: (g.name, g.title or g.name) for gid, g in themes.items()}
        return labels, Matcher(theme_words)
    orgs = {
        o.id: o
        for o in context.session.execute(
            select(Organization.id, Organization.name, Organization.title, Organization.title_en)
            .where(Organization.state == "active")
        )
    }
    found = {oid: set(keywords([o.title, o.title_en])) for oid, o in orgs.items()}
    by_name = {g.name: gid for gid, g in themes.items()}
    for org_id, org in orgs.items():
        for theme in department_themes(context, org.name):
            if theme in by_name:
                found[org_id] |= theme_words[by_name[theme]]
    labels = {oid: (o.name, o.title or o.name) for oid, o in orgs.items()}
    return labels, Matcher({oid: frozenset(words) for oid, words in found.items()})


def department_themes(context: Context, org_name: str) -> list[str]:
    """Names of the themes the department's public datasets are in: a facet of the search
    index (no scan of every dataset's themes in the database)."""
    found = call(
        "package_search",
        context,
        {
            "fq": f'organization:"{org_name}"',
            "rows": 0,
            "facet.field": ["groups"],
            "facet.limit": 1000,
            "facet.mincount": 1,
        },
    )
    return sorted(found["facets"].get("groups", {}))


def _period(value: Any, kind: str) -> str:
    """YYYY-MM-DD of a day (a date, or SQLite's text), or the YYYY-MM month key as is."""
    return str(value)[:10] if kind == "day" else str(value)


@action(side_effect_free=True, schema=DepartmentSchema)
@cached
def stats_department(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A department's public figures: datasets, their resources, page views and downloads
    of the last 30 days (in all and per day, oldest first) and its five most viewed
    datasets of those days."""
    args = validate(DepartmentSchema(), data_dict)
    org = call("organization_show", context, {"id": args["id"], "include_users": False})
    owned = (Dataset.owner_org == org["id"], *PUBLIC)
    datasets = org["package_count"]  # its public active datasets, counted by organization_show
    resources = context.session.scalar(
        select(func.count())
        .select_from(Resource)
        .join(Dataset, Dataset.id == Resource.package_id)
        .where(Resource.state == "active", *owned)
    )
    start = first_day(DEPARTMENT_DAYS)
    per_day = _per_day(context, org["id"], start)
    days = [start + timedelta(days=n) for n in range(DEPARTMENT_DAYS)]
    return {
        "name": org["name"],
        "datasets": int(datasets or 0),
        "resources": int(resources or 0),
        "views": sum(per_day["views"].values()),
        "downloads": sum(per_day["downloads"].values()),
        "by_day": [
            {"day": d.isoformat(), **{k: per_day[k].get(d.isoformat(), 0) for k in per_day}}
            for d in days
        ],
        "top": _most_viewed(context, owned, start),
    }


def _per_day(context: Context, org_id: str, start: date) -> dict[str, dict[str, int]]:
    """views and downloads of the department's public datasets per day (YYYY-MM-DD)."""
    query = select(UsageRollup.day, UsageRollup.views, UsageRollup.downloads).where(
        UsageRollup.day >= start, UsageRollup.kind == "department", UsageRollup.key == org_id
    )
    found: dict[str, dict[str, int]] = {"views": {}, "downloads": {}}
    for day, views, downloads in context.session.execute(query):
        found["views"][str(day)[:10]] = int(views or 0)
        found["downloads"][str(day)[:10]] = int(downloads or 0)
    return found


def _most_viewed(context: Context, owned: tuple, start: date) -> list[dict[str, Any]]:
    """The department's five most viewed public datasets since `start` (the views of its
    datasets, found by their key (dataset_id, day), not a scan of every dataset's days)."""
    views = func.sum(DatasetViewCount.count).label("views")
    query = (
        select(Dataset.name, Dataset.title, views)
        .join(DatasetViewCount, DatasetViewCount.dataset_id == Dataset.id)
        .where(DatasetViewCount.day >= start, *owned)
        .group_by(Dataset.id, Dataset.name, Dataset.title)
        .order_by(views.desc(), Dataset.name)
        .limit(5)
    )
    return [
        {"name": name, "title": title, "views": int(n)}
        for name, title, n in context.session.execute(query)
    ]


@action(side_effect_free=True, schema=DepartmentSearchesSchema)
def stats_department_searches(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Zero-result searches of the last `days` days whose terms touch the department's themes
    (the themes its public datasets are in), most searched first: what visitors looked for
    in its fields and did not find. For the department's members and sysadmins.

    A term touches a theme when one of its words (cut by the search analyzer) is a word of
    the theme's name, Chinese or English title; `keywords` lists those words."""
    args = validate(DepartmentSearchesSchema(), data_dict)
    org = call("organization_show", context, {"id": args["id"], "include_users": False})
    if not has_role(context, org["id"], "member"):
        raise NotAuthorized("Only the department's members see its search gaps.")
    theme_names = department_themes(context, org["name"])
    themes = context.session.execute(
        select(Group.id, Group.name, Group.title, Group.title_en)
        .where(Group.name.in_(theme_names), Group.state == "active")
        .order_by(Group.name)
    ).all()
    theme_words = {g.name: keywords([g.name, g.title, g.title_en]) for g in themes}
    matcher = Matcher(theme_words)
    terms = []
    for term, count in _zero_result_terms(context, args["days"]):
        touched = matcher.touched(term)
        if touched:
            terms.append({"term": term, "count": count, "themes": list(touched)})
        if len(terms) == args["limit"]:
            break
    return {
        "themes": [{"name": g.name, "display_name": g.title or g.name} for g in themes],
        "keywords": sorted(set().union(*theme_words.values())),
        "terms": terms,
    }


def _zero_result_terms(context: Context, days: int) -> list[tuple[str, int]]:
    """Terms whose latest search in the window found nothing, most searched first."""
    term, day = SearchTermCount.term, SearchTermCount.day
    window = (
        select(term, func.sum(SearchTermCount.count).label("count"), func.max(day).label("last"))
        .where(day >= first_day(days))
        .group_by(term)
        .subquery()
    )
    query = (
        select(window.c.term, window.c.count)
        .join(SearchTermCount, and_(term == window.c.term, day == window.c.last))
        .where(SearchTermCount.results == 0)
        .order_by(window.c.count.desc(), window.c.term)
        .limit(MAX_GAP_TERMS)
    )
    return [(name, int(count)) for name, count in context.session.execute(query)]


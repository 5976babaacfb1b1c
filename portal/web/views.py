"""Citizen-facing pages: home, search, datasets, resources with previews, departments, themes,
about, API help and the sitemap. Every read goes through the actions, so visibility rules
(private datasets, drafts) are the actions' and are never re-implemented here."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape as xml_escape

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.actions import Context, call
from portal.errors import NotAuthorized, NotFound, SearchError, SearchQueryError, ValidationError
from portal.request_context import action_context
from portal.stats.usage import count_view
from portal.web import datatable, lookups
from portal.web.blueprint import (
    PAGE_SIZE,
    bp,
    dataset_or_404,
    dataset_permissions,
    flash_error,
    my_organizations,
    page_number,
    pagination,
    quote,
    show,
)
from portal.web.forms import stored_profile_values
from portal.web.i18n import COOKIE, COOKIE_MAX_AGE, LOCALES
from portal.web.jsonld import dataset_jsonld
from schemas.profiles import profile_for_type

SORT_OPTIONS = (
    ("", _l("Relevance")),
    ("metadata_modified desc", _l("Last updated")),
    ("metadata_created desc", _l("Newest")),
    ("title_string asc", _l("Title")),
    ("views_recent desc", _l("Most viewed")),
    ("downloads desc", _l("Most downloaded")),
)
ACTIVITY_LABELS = {
    "new package": _l("Created"),
    "changed package": _l("Updated"),
    "deleted package": _l("Deleted"),
}


def search_datasets(
    q: str, filters: dict[str, list[str]], sort: str, page: int, facets: bool = True, **extra: Any
) -> tuple[dict[str, Any] | None, str | None, int]:
    """package_search for a page: (result, a message for the visitor, HTTP status)."""
    data: dict[str, Any] = {
        "q": q,
        "fq_list": [f"{name}:{quote(v)}" for name, values in filters.items() for v in values],
        "rows": PAGE_SIZE,
        "start": (page - 1) * PAGE_SIZE,
        "facet.field": lookups.facet_names() if facets else [],
        "facet.limit": 50,
        **extra,
    }
    data["facet"] = facets
    if sort:
        data["sort"] = sort
    elif not q.strip():
        data["sort"] = "metadata_modified desc"
    try:
        return call("package_search", action_context(), data), None, 200
    except SearchQueryError as exc:
        message = _("The search could not be understood: %(message)s", message=exc.message)
        return None, message, 400
    except SearchError:
        return None, _("Search is unavailable right now. Please try again in a moment."), 503


# --- home, search ----------------------------------------------------------------------------


HOME_POPULAR = 6


def most_downloaded(context: Context, limit: int) -> list[dict[str, Any]]:
    """The most downloaded datasets (package_popular): only those with downloads, so a new site's
    home page does not show its newest datasets a second time under another heading."""
    return call("package_popular", context, {"limit": limit})


@bp.get("/")
def home() -> str:
    context = action_context()
    newest = call(
        "package_search",
        context,
        {"rows": 6, "sort": "metadata_created desc", "facet": False},
    )
    popular = most_downloaded(context, HOME_POPULAR)
    themes = sorted(lookups.groups().values(), key=lambda grp: -grp.get("package_count", 0))
    departments = sorted(
        lookups.organizations().values(), key=lambda org: -org.get("package_count", 0)
    )
    return render_template(
        "home.html",
        count=newest["count"],
        newest=newest["results"],
        popular=popular,
        themes=themes,
        departments=departments,
    )


@bp.get("/dataset/")
@bp.get("/dataset")
def search() -> tuple[str, int]:
    q = request.args.get("q", "").strip()[:500]
    sort = request.args.get("sort", "")
    if sort not in dict(SORT_OPTIONS):
        sort = ""
    names = lookups.facet_names()
    filters = {name: request.args.getlist(name)[:20] for name in names if request.args.get(name)}
    page = page_number()
    result, error, status = search_datasets(q, filters, sort, page)
    chips = [
        {"field": name, "value": value, "label": lookups.value_label(name, value)}
        for name, values in filters.items()
        for value in values
    ]
    facets = []
    if result:
        for name in names:
            found = result["search_facets"].get(name)
            if not found or not found["items"]:
                continue
            items = [
                {
                    "value": item["name"],
                    "label": lookups.value_label(name, item["name"]),
                    "count": item["count"],
                    "active": item["name"] in filters.get(name, []),
                }
                for item in found["items"]
            ]
            facets.append({"name": name, "label": lookups.facet_label(name), "items": items})
    return render_template(
        "search.html",
        q=q,
        sort=sort or ("" if q else "metadata_modified desc"),
        sort_options=SORT_OPTIONS,
        result=result,
        error=error,
        facets=facets,
        chips=chips,
        filters=filters,
        paging=pagination(result["count"] if result else 0, page),
    ), status


@bp.get("/suggest")
def autocomplete() -> Response:
    """Suggestions for the search box (package_autocomplete: Chinese, pinyin, initials)."""
    found = call("package_autocomplete", action_context(), {"q": request.args.get("q", "")[:100]})
    return current_app.response_class(
        current_app.json.dumps([{"name": d["name"], "title": d["title"]} for d in found]),
        mimetype="application/json",
    )


# --- datasets and resources ------------------------------------------------------------------


def profile_rows(dataset: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    profile = profile_for_type(dataset.get("type"))
    values = stored_profile_values(dataset, profile)
    rows = []
    for item in profile.dataset_fields:
        value = values.get(item.name)
        if value in (None, "", []):
            continue
        rows.append({"field": item, "value": value})
    return profile, rows


def shown_extras(dataset: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The extras the page lists: not the profile's own storage (profile:...) and not one that
    repeats a field shown above under another name (update_frequency beside 更新周期)."""
    shown = set().union(*(row["field"].names() for row in rows))
    return [
        e
        for e in dataset.get("extras") or []
        if not e["key"].startswith("profile:") and e["key"] not in shown
    ]


def activity_for(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        items = call("package_activity_list", action_context(), {"id": dataset["id"], "limit": 20})
    except (NotFound, NotAuthorized):
        return []
    names: dict[str, str] = {}
    for item in items:
        user_id = item.get("user_id")
        if user_id and user_id not in names:
            try:
                user = call("user_show", action_context(), {"id": user_id})
                names[user_id] = user.get("display_name") or user.get("name")
            except (NotFound, NotAuthorized):
                names[user_id] = ""
        item["user_name"] = names.get(user_id or "", "")
        item["label"] = ACTIVITY_LABELS.get(item["activity_type"], item["activity_type"])
    return items


@bp.get("/dataset/<name>")
def dataset_page(name: str) -> str:
    dataset = dataset_or_404(name)
    count_view(dataset)
    profile, rows = profile_rows(dataset)
    site = request.url_root.rstrip("/")
    page_url = f"{site}/dataset/{dataset['name']}"
    return render_template(
        "dataset.html",
        dataset=dataset,
        profile=profile,
        profile_rows=rows,
        extras=shown_extras(dataset, rows),
        activity=activity_for(dataset),
        site=site,
        jsonld=dataset_jsonld(dataset, page_url, site),
        license_title=lookups.license_title(dataset.get("license_id")),
        can=dataset_permissions(dataset),
        downloads=show("package_download_stats", {"id": dataset["id"]}),
        views=show("package_view_stats", {"id": dataset["id"]}),
    )


@bp.get("/dataset/<name>/resource/<resource_id>")
def resource_page(name: str, resource_id: str) -> str:
    dataset = dataset_or_404(name)
    resource = next((r for r in dataset["resources"] if r["id"] == resource_id), None)
    if resource is None:
        abort(404)
    resource = show("resource_show", {"id": resource_id})
    site = request.url_root.rstrip("/")
    # A file the privacy screening withholds is not shown as a table either.
    withheld = resource.get("privacy", {}).get("withheld")
    info = None if withheld else datatable.datastore_info(resource_id)
    table = datatable.table_view(resource_id, info) if info and info["fields"] else None
    # Without a DataStore table, the cached file preview (parsed by the background job, never
    # per page view).
    # A conditionally open dataset's preview is refused too (portal.access.guard).
    refused = resource.get("access", {}).get("granted") is False
    preview = None if table or refused else show("resource_preview_show", {"id": resource_id})
    return render_template(
        "resource.html",
        dataset=dataset,
        resource=resource,
        preview=preview,
        datastore=info,
        table=table,
        describe=datatable.description,
        type_label=datatable.type_label,
        snippets=datatable.snippets(site, resource_id) if table else None,
        echarts=datatable.echarts_available(),
        site=site,
        can=dataset_permissions(dataset),
    )


@bp.post("/dataset/<name>/resource/<resource_id>/dictionary")
def resource_dictionary(name: str, resource_id: str) -> Response:
    """The department's descriptions of the table's columns, through datastore_create (as
    CKAN's data dictionary form: the same fields with their `info`, force=True)."""
    dataset = dataset_or_404(name)
    if not any(r["id"] == resource_id for r in dataset["resources"]):
        abort(404)
    info = datatable.datastore_info(resource_id)
    if not info or not info["fields"]:
        abort(404)
    fields = datatable.dictionary_fields(info, request.form.to_dict())
    data = {"resource_id": resource_id, "fields": fields, "force": True}
    try:
        call("datastore_create", action_context(), data)  # a refusal is the 403 page
        flash(_("The data dictionary was saved."), "success")
    except ValidationError as exc:
        flash_error(exc)
    target = url_for("web.resource_page", name=dataset["name"], resource_id=resource_id)
    return redirect(f"{target}#dictionary-title")


# --- departments and themes ------------------------------------------------------------------


@bp.get("/organization")
def organizations() -> str:
    items = sorted(lookups.organizations().values(), key=lambda org: -org.get("package_count", 0))
    return render_template("organizations.html", items=items)


@bp.get("/group")
def groups() -> str:
    items = sorted(lookups.groups().values(), key=lambda grp: -grp.get("package_count", 0))
    return render_template("groups.html", items=items)


def _listing(
    kind: str, entity: dict[str, Any], figures: dict[str, Any] | None = None
) -> tuple[str, int]:
    field = "organization" if kind == "organization" else "groups"
    q = request.args.get("q", "").strip()[:500]
    page = page_number()
    result, error, status = search_datasets(q, {field: [entity["name"]]}, "", page, facets=False)
    mine = {o["id"] for o in my_organizations("create_dataset")} if kind == "organization" else ()
    admin = {o["id"] for o in my_organizations("manage_group")} if kind == "organization" else ()
    return render_template(
        "entity.html",
        can_add=entity["id"] in mine,
        can_manage=entity["id"] in admin,
        kind=kind,
        entity=entity,
        q=q,
        result=result,
        error=error,
        paging=pagination(result["count"] if result else 0, page),
        figures=figures,
        echarts=bool(figures) and datatable.echarts_available(),
    ), status


@bp.get("/organization/<name>")
def organization_page(name: str) -> tuple[str, int]:
    org = show("organization_show", {"id": name, "include_users": False})
    figures = call("stats_department", action_context(), {"id": org["id"]})
    return _listing("organization", org, figures)


@bp.get("/group/<name>")
def group_page(name: str) -> tuple[str, int]:
    group = show("group_show", {"id": name})
    return _listing("group", group)


# --- about, API help, language, sitemap ------------------------------------------------------


@bp.get("/about")
def about() -> str:
    return render_template("about.html")


@bp.get("/api-help")
def api_help() -> str:
    site = request.url_root.rstrip("/")
    example = call("package_search", action_context(), {"rows": 1, "facet": False})
    name = example["results"][0]["name"] if example["results"] else "bus-lines"
    return render_template("api_help.html", site=site, example=name)


@bp.get("/lang/<code>")
def set_language(code: str) -> Response:
    """Switch the interface language and go back to the page the visitor was on."""
    if code not in LOCALES:
        abort(404)
    target = request.args.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    response = redirect(target)
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Public datasets only: the search runs as an anonymous visitor whoever asks."""
    context = action_context()
    anonymous = Context(session=context.session, app=context.app, user=None)
    site = request.url_root.rstrip("/")
    urls = [(f"{site}/", None), (f"{site}/dataset", None), (f"{site}/organization", None)]
    urls.append((f"{site}/group", None))
    for org in call("organization_list", anonymous, {}):
        urls.append((f"{site}/organization/{org}", None))
    for group in call("group_list", anonymous, {}):
        urls.append((f"{site}/group/{group}", None))
    start = 0
    while start < 50_000:
        found = call(
            "package_search",
            anonymous,
            {
                "rows": 1000,
                "start": start,
                "sort": "name asc",
                "facet": False,
                "fl": "name,metadata_modified",
            },
        )
        for item in found["results"]:
            urls.append((f"{site}/dataset/{item['name']}", item.get("metadata_modified")))
        start += 1000
        if start >= found["count"]:
            break
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    for loc, modified in urls:
        lastmod = f"<lastmod>{modified[:10]}</lastmod>" if modified else ""
        lines.append(f"<url><loc>{xml_escape(loc)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return Response("\n".join(lines), mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    site = request.url_root.rstrip("/")
    text = f"User-agent: *\nDisallow: /dashboard\nDisallow: /user/\nSitemap: {site}/sitemap.xml\n"
    return Response(text, mimetype="text/plain")


# Importing these registers their pages on bp.

"""Reuse actions, named after ckanext-showcase where it has a name: reuse_create, _show, _list,
_update, _delete; and uData's featuring, reporting and moderation: reuse_feature,
_unfeature, _report, _moderate, _report_list; reuse_references for the feeds.

Any signed-in user submits a reuse (published at once, within a daily limit); its owner or a
sysadmin edits and deletes it; a sysadmin, or an admin of a department owning one of its
datasets, features it. Anyone signed in reports one; a sysadmin hides or restores it. A hidden
reuse is seen only by its owner and sysadmins. A reuse lists only the datasets the caller may
read: a private dataset it uses is never revealed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from portal.actions import Context, action, validate
from portal.auth.models import User
from portal.auth.permissions import can_read_dataset, has_role, require, require_login
from portal.catalog import activity
from portal.catalog.dictize import iso
from portal.catalog.models import Dataset, Organization
from portal.database import new_id, utcnow
from portal.errors import NotFound, ValidationError
from portal.reuses.images import drop_image, store_image
from portal.reuses.models import HIDDEN, PUBLISHED, Reuse, ReuseDataset, ReuseReport
from portal.reuses.schemas import (
    ReuseCreateSchema,
    ReuseFilterSchema,
    ReuseIdSchema,
    ReuseModerateSchema,
    ReuseQueueSchema,
    ReuseReferencesSchema,
    ReuseReportSchema,
    ReuseUpdateSchema,
)

LIMIT_REACHED = "You have reached the daily limit of new reuses: try again tomorrow."
TEXT_FIELDS = ("title", "description", "type", "url")

# --- lookups ------------------------------------------------------------------------------------


def _visible(context: Context, reuse: Reuse) -> bool:
    own = context.user_id is not None and reuse.user_id == context.user_id
    return reuse.state == PUBLISHED or own or context.is_sysadmin


def find_reuse(context: Context, ident: Any) -> Reuse:
    """The reuse with this id, as a 404 when the caller may not see it (hidden)."""
    found = context.session.get(Reuse, ident) if isinstance(ident, str) and ident else None
    if found is None or not _visible(context, found):
        raise NotFound("Reuse not found")
    return found


def _readable_datasets(context: Context, names: list[str]) -> list[Dataset]:
    """The active datasets named, each readable by the caller; an unknown name and one the
    caller may not read get the same answer (no private dataset is revealed)."""
    found = list(
        context.session.scalars(
            select(Dataset).where(Dataset.id.in_(names) | Dataset.name.in_(names))
        )
    )
    by_key = {key: d for d in found for key in (d.id, d.name)}
    chosen, missing = [], []
    for name in names:
        dataset = by_key.get(name)
        if dataset is None or dataset.state != "active" or not can_read_dataset(context, dataset):
            missing.append(name)
        elif dataset not in chosen:
            chosen.append(dataset)
    if missing:
        raise ValidationError({"datasets": [f"Dataset not found: {', '.join(missing)}"]})
    if not chosen:
        raise ValidationError({"datasets": ["Name at least one dataset."]})
    return chosen


def _links(context: Context, ids: list[str]) -> dict[str, list[Dataset]]:
    """reuse id -> its datasets (all of them, readable or not), in one query."""
    if not ids:
        return {}
    rows = context.session.execute(
        select(ReuseDataset.reuse_id, Dataset)
        .join(Dataset, Dataset.id == ReuseDataset.dataset_id)
        .where(ReuseDataset.reuse_id.in_(ids))
        .order_by(Dataset.title, Dataset.id)
    )
    links: dict[str, list[Dataset]] = {}
    for reuse_id, dataset in rows:
        links.setdefault(reuse_id, []).append(dataset)
    return links


def _by_ids(context: Context, model: Any, ids: set[str | None]) -> dict[str, Any]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {o.id: o for o in context.session.scalars(select(model).where(model.id.in_(wanted)))}


def _open_reports(context: Context, ids: list[str]) -> dict[str, int]:
    if not context.is_sysadmin or not ids:
        return {}
    rows = context.session.execute(
        select(ReuseReport.reuse_id, func.count())
        .where(ReuseReport.reuse_id.in_(ids), ReuseReport.resolved.is_(None))
        .group_by(ReuseReport.reuse_id)
    )
    return {reuse_id: count for reuse_id, count in rows}


def can_feature(context: Context, datasets: list[Dataset]) -> bool:
    """Sysadmins, and the admins of a department owning one of the reuse's datasets."""
    if context.is_sysadmin:
        return True
    return any(has_role(context, d.owner_org, "admin") for d in datasets if d.owner_org)


def _can_edit(context: Context, reuse: Reuse) -> bool:
    own = context.user_id is not None and reuse.user_id == context.user_id
    return own or context.is_sysadmin


# --- dicts --------------------------------------------------------------------------------------


def reuse_dicts(context: Context, reuses: list[Reuse]) -> list[dict[str, Any]]:
    """The dicts of several reuses for this caller, in a fixed number of queries."""
    ids = [r.id for r in reuses]
    links = _links(context, ids)
    users = _by_ids(context, User, {r.user_id for r in reuses})
    org_ids = {d.owner_org for datasets in links.values() for d in datasets}
    orgs = _by_ids(context, Organization, org_ids)
    reports = _open_reports(context, ids)
    site = context.settings.site_url.rstrip("/")
    return [
        _reuse_dict(context, r, links.get(r.id, []), users, orgs, reports, site) for r in reuses
    ]


def reuse_dict(context: Context, reuse: Reuse) -> dict[str, Any]:
    return reuse_dicts(context, [reuse])[0]


def _dataset_dict(dataset: Dataset, orgs: dict[str, Organization], site: str) -> dict[str, Any]:
    org = orgs.get(dataset.owner_org or "")
    return {
        "id": dataset.id,
        "name": dataset.name,
        "title": dataset.title,
        "title_en": dataset.title_en,
        "url": f"{site}/dataset/{dataset.name}",
        "organization": (
            {"id": org.id, "name": org.name, "title": org.title, "title_en": org.title_en}
            if org is not None
            else None
        ),
    }


def _reuse_dict(
    context: Context,
    reuse: Reuse,
    datasets: list[Dataset],
    users: dict[str, User],
    orgs: dict[str, Organization],
    reports: dict[str, int],
    site: str,
) -> dict[str, Any]:
    user = users.get(reuse.user_id or "")
    shown = [d for d in datasets if d.state == "active" and can_read_dataset(context, d)]
    return {
        "id": reuse.id,
        "title": reuse.title,
        "description": reuse.description,
        "type": reuse.type,
        "url": reuse.url,
        "page_url": f"{site}/reuse/{reuse.id}",
        "image_url": f"{site}/reuse/{reuse.id}/image" if reuse.image_key else None,
        "state": reuse.state,
        "featured": reuse.featured,
        "user_id": reuse.user_id,
        "user_name": user.name if user else None,
        "datasets": [_dataset_dict(d, orgs, site) for d in shown],
        "num_datasets": len(shown),
        "created": iso(reuse.created),
        "modified": iso(reuse.modified),
        "can_edit": _can_edit(context, reuse),
        "can_feature": can_feature(context, datasets),
        "open_reports": reports.get(reuse.id, 0) if context.is_sysadmin else None,
    }


def _record(context: Context, reuse: Reuse, what: str) -> dict[str, Any]:
    result = reuse_dict(context, reuse)
    # The activity keeps no dataset names: the reuse's history must not list private ones.
    summary = {key: result[key] for key in ("id", "title", "type", "url", "state", "featured")}
    activity.record(context, reuse.id, f"{what} reuse", summary)
    return result


def _link_datasets(context: Context, reuse: Reuse, datasets: list[Dataset]) -> None:
    """Replace the reuse's datasets by `datasets`, keeping the ones the caller cannot read
    (an owner who lost access to a private dataset cannot unlink what they cannot see)."""
    current = {link.dataset_id: link for link in _reuse_links(context, reuse.id)}
    unseen = {d.id for d in _links(context, [reuse.id]).get(reuse.id, [])
              if not can_read_dataset(context, d)}  # fmt: skip
    wanted = {d.id for d in datasets} | unseen
    for dataset_id, link in current.items():
        if dataset_id not in wanted:
            context.session.delete(link)
    for dataset_id in wanted - set(current):
        context.session.add(ReuseDataset(reuse_id=reuse.id, dataset_id=dataset_id))


def _reuse_links(context: Context, reuse_id: str) -> list[ReuseDataset]:
    return list(
        context.session.scalars(select(ReuseDataset).where(ReuseDataset.reuse_id == reuse_id))
    )


def _check_daily_limit(context: Context) -> None:
    if context.is_sysadmin:
        return
    since = utcnow() - timedelta(days=1)
    recent = context.session.scalar(
        select(func.count())
        .select_from(Reuse)
        .where(Reuse.user_id == context.user_id, Reuse.created >= since)
    )
    if (recent or 0) >= context.settings.reuse_daily_limit:
        raise ValidationError({"limit": [LIMIT_REACHED]})


# --- actions ------------------------------------------------------------------------------------


@action(schema=ReuseCreateSchema)
def reuse_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Submit a reuse of datasets: an application, visualisation, article, API or other."""
    require_login(context)
    args = validate(ReuseCreateSchema(), data_dict)
    datasets = _readable_datasets(context, args["datasets"])
    _check_daily_limit(context)
    reuse = Reuse(id=new_id(), user_id=context.user_id, state=PUBLISHED, featured=False)
    for key in TEXT_FIELDS:
        setattr(reuse, key, args[key].strip())
    context.session.add(reuse)
    context.session.flush()
    _link_datasets(context, reuse, datasets)
    if args.get("image_upload") is not None:
        store_image(context, reuse, args["image_upload"])
    context.session.flush()
    return _record(context, reuse, "new")


@action(side_effect_free=True, schema=ReuseIdSchema)
def reuse_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A reuse, with the datasets it uses that the caller may read."""
    args = validate(ReuseIdSchema(), data_dict)
    return reuse_dict(context, find_reuse(context, args["id"]))


def _dataset_filter(context: Context, ident: str) -> str:
    try:
        return _readable_datasets(context, [ident])[0].id
    except ValidationError:
        raise ValidationError({"dataset_id": ["Dataset not found"]}) from None


@action(side_effect_free=True, schema=ReuseFilterSchema)
def reuse_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Published reuses, featured first then newest; by dataset, type or featured."""
    args = validate(ReuseFilterSchema(), data_dict)
    query = select(Reuse)
    if not args["include_hidden"] or context.user_id is None and not context.is_sysadmin:
        query = query.where(Reuse.state == PUBLISHED)
    elif not context.is_sysadmin:
        # (Never `user_id == None`: that would match the reuses of purged accounts.)
        query = query.where((Reuse.state == PUBLISHED) | (Reuse.user_id == context.user_id))
    if args["dataset_id"]:
        dataset_id = _dataset_filter(context, args["dataset_id"])
        linked = select(ReuseDataset.reuse_id).where(ReuseDataset.dataset_id == dataset_id)
        query = query.where(Reuse.id.in_(linked))
    if args["type"]:
        query = query.where(Reuse.type == args["type"])
    if args["featured"] is not None:
        query = query.where(Reuse.featured == args["featured"])
    total = context.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(Reuse.featured.desc(), Reuse.created.desc(), Reuse.id)
    page = list(context.session.scalars(query.offset(args["offset"]).limit(args["limit"])))
    return {"count": total, "results": reuse_dicts(context, page)}


@action(schema=ReuseUpdateSchema)
def reuse_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change a reuse (its owner or a sysadmin): only the keys sent change."""
    require_login(context)
    args = validate(ReuseUpdateSchema(), data_dict)
    reuse = find_reuse(context, args["id"])
    require(_can_edit(context, reuse), "Only the owner of a reuse, or a sysadmin, may edit it.")
    for key in TEXT_FIELDS:
        if key in args:
            setattr(reuse, key, args[key].strip())
    if "datasets" in args:
        _link_datasets(context, reuse, _readable_datasets(context, args["datasets"]))
    if args.get("image_upload") is not None:
        store_image(context, reuse, args["image_upload"])
    elif args.get("clear_image"):
        drop_image(context, reuse)
    reuse.modified = utcnow()
    context.session.flush()
    return _record(context, reuse, "changed")


@action(schema=ReuseIdSchema)
def reuse_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Delete a reuse (its owner or a sysadmin), with its image and reports."""
    require_login(context)
    args = validate(ReuseIdSchema(), data_dict)
    reuse = find_reuse(context, args["id"])
    require(_can_edit(context, reuse), "Only the owner of a reuse, or a sysadmin, may delete it.")
    _record(context, reuse, "deleted")
    drop_image(context, reuse)
    context.session.delete(reuse)  # its dataset links and reports go with it (CASCADE)
    return None


def _set_featured(context: Context, data_dict: dict[str, Any], featured: bool) -> dict[str, Any]:
    require_login(context)
    args = validate(ReuseIdSchema(), data_dict)
    reuse = find_reuse(context, args["id"])
    datasets = _links(context, [reuse.id]).get(reuse.id, [])
    require(
        can_feature(context, datasets),
        "Only a sysadmin, or an admin of a department whose data it uses, may feature a reuse.",
    )
    reuse.featured = featured
    context.session.flush()
    return _record(context, reuse, "featured" if featured else "unfeatured")


@action(schema=ReuseIdSchema)
def reuse_feature(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Feature a reuse: it comes first in the lists (sysadmins and departments whose data it
    uses)."""
    return _set_featured(context, data_dict, True)


@action(schema=ReuseIdSchema)
def reuse_unfeature(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Stop featuring a reuse."""
    return _set_featured(context, data_dict, False)


@action(schema=ReuseReportSchema)
def reuse_report(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Report a reuse to the moderators (spam, abuse, a broken link) with a reason; a second
    report of the same user replaces the first."""
    require_login(context)
    args = validate(ReuseReportSchema(), data_dict)
    reuse = find_reuse(context, args["id"])
    require(context.user is not None, "Only a signed-in user may report a reuse.")
    key = {"reuse_id": reuse.id, "user_id": context.user_id}
    report = context.session.get(ReuseReport, key) or ReuseReport(**key)
    report.reason, report.created, report.resolved = args["reason"].strip(), utcnow(), None
    context.session.add(report)
    context.session.flush()
    return reuse_dict(context, reuse)


@action(schema=ReuseModerateSchema)
def reuse_moderate(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Hide a reuse (only its owner and sysadmins see it then) or restore it; either way its
    open reports are resolved (sysadmins only)."""
    require_login(context)
    args = validate(ReuseModerateSchema(), data_dict)
    require(context.is_sysadmin, "Only a sysadmin may moderate reuses.")
    reuse = find_reuse(context, args["id"])
    reuse.state = HIDDEN if args["decision"] == "hide" else PUBLISHED
    now = utcnow()
    for report in context.session.scalars(
        select(ReuseReport).where(ReuseReport.reuse_id == reuse.id, ReuseReport.resolved.is_(None))
    ):
        report.resolved = now
    reuse.modified = now
    context.session.flush()
    return _record(context, reuse, "hidden" if reuse.state == HIDDEN else "restored")


@action(side_effect_free=True, schema=ReuseQueueSchema)
def reuse_report_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The moderation queue: reuses with open reports, most recently reported first, each with
    its reports (sysadmins only)."""
    require_login(context)
    args = validate(ReuseQueueSchema(), data_dict)
    require(context.is_sysadmin, "Only a sysadmin may read the reports.")
    latest = (
        select(ReuseReport.reuse_id, func.max(ReuseReport.created).label("latest"))
        .where(ReuseReport.resolved.is_(None))
        .group_by(ReuseReport.reuse_id)
        .subquery()
    )
    total = context.session.scalar(select(func.count()).select_from(latest)) or 0
    reuses = list(
        context.session.scalars(
            select(Reuse)
            .join(latest, latest.c.reuse_id == Reuse.id)
            .order_by(latest.c.latest.desc(), Reuse.id)
            .offset(args["offset"])
            .limit(args["limit"])
        )
    )
    reports = _reports_of(context, [r.id for r in reuses])
    results = [
        {**item, "reports": reports.get(item["id"], [])} for item in reuse_dicts(context, reuses)
    ]
    return {"count": total, "results": results}


def _reports_of(context: Context, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not ids:
        return {}
    rows = context.session.execute(
        select(ReuseReport, User.name)
        .join(User, User.id == ReuseReport.user_id)
        .where(ReuseReport.reuse_id.in_(ids), ReuseReport.resolved.is_(None))
        .order_by(ReuseReport.created.desc())
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for report, name in rows:
        found.setdefault(report.reuse_id, []).append(
            {"user_name": name, "reason": report.reason, "created": iso(report.created)}
        )
    return found


@action(side_effect_free=True, schema=ReuseReferencesSchema)
def reuse_references(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The published reuses of several datasets at once (for the DCAT feeds'
    dct:isReferencedBy): one entry per dataset and reuse, for the datasets the caller may read."""
    args = validate(ReuseReferencesSchema(), data_dict)
    ids = list(dict.fromkeys(args["dataset_ids"]))
    if not ids:
        return []
    rows = context.session.execute(
        select(ReuseDataset.dataset_id, Reuse.id, Dataset)
        .join(Reuse, Reuse.id == ReuseDataset.reuse_id)
        .join(Dataset, Dataset.id == ReuseDataset.dataset_id)
        .where(ReuseDataset.dataset_id.in_(ids), Reuse.state == PUBLISHED)
        .order_by(ReuseDataset.dataset_id, Reuse.created, Reuse.id)
    )
    site = context.settings.site_url.rstrip("/")
    return [
        {"dataset_id": dataset_id, "reuse_id": reuse_id, "page_url": f"{site}/reuse/{reuse_id}"}
        for dataset_id, reuse_id, dataset in rows
        if can_read_dataset(context, dataset)
    ]

"""Data request actions, named after ckanext-datarequests: datarequest_create, _show, _list,
_support, _unsupport, _answer and _delete; datarequest_stats for the public statistics; and
moderation as for reuses: datarequest_report, _moderate and _report_list.

Requests are public: anyone reads and lists them. Any signed-in user asks and supports (once
per user); the editors and admins of the department asked, and sysadmins, answer; the requester
deletes a request while it is still open, a sysadmin at any time. One user makes at most
PORTAL_DATAREQUEST_DAILY_LIMIT requests in 24 hours (sysadmins unlimited). Anyone signed in
reports a request; a sysadmin hides or restores it: a hidden request is seen only by its
requester and sysadmins, and counts in no statistics.
"""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.actions import Context, action, validate
from portal.auth.models import User
from portal.auth.permissions import has_role, require, require_login
from portal.catalog import activity
from portal.catalog.dictize import iso
from portal.catalog.models import Dataset, Organization
from portal.catalog.queries import find_dataset, find_organization
from portal.database import utcnow
from portal.errors import NotFound, ValidationError
from portal.requests.models import (
    OPEN,
    PUBLISHED,
    REFUSED,
    STATES,
    DataRequest,
    DataRequestReport,
    DataRequestSupport,
)
from portal.requests.schemas import (
    AnswerSchema,
    CreateSchema,
    IdSchema,
    ListSchema,
    ModerateSchema,
    QueueSchema,
    ReportSchema,
)

LIMIT_REACHED = "You have reached the daily limit of new data requests: try again tomorrow."

# --- lookups and dicts --------------------------------------------------------------------------


def _visible(context: Context, request: DataRequest) -> bool:
    own = context.user_id is not None and request.user_id == context.user_id
    return not request.hidden or own or context.is_sysadmin


def find_request(context: Context, ident: Any) -> DataRequest:
    """The request with this id, as a 404 when the caller may not see it (hidden)."""
    found = context.session.get(DataRequest, ident) if isinstance(ident, str) and ident else None
    if found is None or not _visible(context, found):
        raise NotFound("Data request not found")
    return found


def _organization_id(context: Context, ident: str | None) -> str | None:
    if not ident:
        return None
    try:
        return find_organization(context, ident).id
    except NotFound:
        raise ValidationError({"organization_id": ["Organization does not exist"]}) from None


def _public_dataset(context: Context, ident: str | None) -> Dataset:
    """The dataset a published answer links to: it must be there for everyone to open."""
    if not ident:
        raise ValidationError({"dataset_id": ["Missing value"]})
    try:
        dataset = find_dataset(context, ident)
    except NotFound:
        dataset = None
    if dataset is None or dataset.state != "active" or dataset.private:
        raise ValidationError({"dataset_id": ["No public dataset with this id or name."]})
    return dataset


def _support_counts(context: Context, ids: list[str]) -> dict[str, int]:
    rows = context.session.execute(
        select(DataRequestSupport.request_id, func.count())
        .where(DataRequestSupport.request_id.in_(ids))
        .group_by(DataRequestSupport.request_id)
    )
    return {request_id: count for request_id, count in rows}


def _supported(context: Context, ids: list[str]) -> set[str]:
    if context.user is None or not ids:
        return set()
    rows = context.session.scalars(
        select(DataRequestSupport.request_id).where(
            DataRequestSupport.request_id.in_(ids), DataRequestSupport.user_id == context.user.id
        )
    )
    return set(rows)


def _open_reports(context: Context, ids: list[str]) -> dict[str, int]:
    if not context.is_sysadmin or not ids:
        return {}
    rows = context.session.execute(
        select(DataRequestReport.request_id, func.count())
        .where(DataRequestReport.request_id.in_(ids), DataRequestReport.resolved.is_(None))
        .group_by(DataRequestReport.request_id)
    )
    return {request_id: count for request_id, count in rows}


def _organization_dict(org: Organization | None) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"id": org.id, "name": org.name, "title": org.title, "title_en": org.title_en}


def request_dicts(context: Context, requests: list[DataRequest]) -> list[dict[str, Any]]:
    """The public dicts of several requests, in a fixed number of queries whatever their
    number."""
    ids = [r.id for r in requests]
    counts = _support_counts(context, ids)
    mine = _supported(context, ids)
    reports = _open_reports(context, ids)
    users = {u.id: u for u in _by_ids(context, User, {r.user_id for r in requests})}
    orgs = {o.id: o for o in _by_ids(context, Organization, {r.organization_id for r in requests})}
    datasets = {d.id: d for d in _by_ids(context, Dataset, {r.dataset_id for r in requests})}
    site = context.settings.site_url.rstrip("/")
    results = [
        _request_dict(r, counts.get(r.id, 0), r.id in mine, users, orgs, datasets, site)
        for r in requests
    ]
    for result in results:
        result["open_reports"] = reports.get(result["id"], 0) if context.is_sysadmin else None
    return results


def _by_ids(context: Context, model: Any, ids: set[str | None]) -> list[Any]:
    wanted = [i for i in ids if i]
    if not wanted:
        return []
    return list(context.session.scalars(select(model).where(model.id.in_(wanted))))


def _request_dict(
    request: DataRequest,
    support_count: int,
    supported: bool,
    users: dict[str, User],
    orgs: dict[str, Organization],
    datasets: dict[str, Dataset],
    site: str,
) -> dict[str, Any]:
    user = users.get(request.user_id or "")
    dataset = datasets.get(request.dataset_id or "")
    answered = request.answered
    return {
        "id": request.id,
        "title": request.title,
        "description": request.description,
        "user_id": request.user_id,
        "user_name": user.name if user else None,
        "organization_id": request.organization_id,
        "organization": _organization_dict(orgs.get(request.organization_id or "")),
        "state": request.state,
        "hidden": request.hidden,
        "answer": request.answer,
        "dataset_id": request.dataset_id,
        "dataset_name": dataset.name if dataset else None,
        "dataset_url": f"{site}/dataset/{dataset.name}" if dataset else None,
        "support_count": support_count,
        "supported": supported,
        "created": iso(request.created),
        "answered": iso(answered),
        "modified": iso(request.modified),
        "response_time": (
            int((answered - request.created).total_seconds()) if answered is not None else None
        ),
    }


def request_dict(context: Context, request: DataRequest) -> dict[str, Any]:
    return request_dicts(context, [request])[0]


def _record(context: Context, request: DataRequest, what: str) -> dict[str, Any]:
    result = request_dict(context, request)
    # Names and ids only: the activity is no place for the requester's e-mail address.
    logged = {key: value for key, value in result.items() if key not in ("supported",
              "open_reports")}  # fmt: skip
    activity.record(context, request.id, f"{what} datarequest", logged)
    return result


def _check_daily_limit(context: Context) -> None:
    if context.is_sysadmin:
        return
    since = utcnow() - timedelta(days=1)
    recent = context.session.scalar(
        select(func.count())
        .select_from(DataRequest)
        .where(DataRequest.user_id == context.user_id, DataRequest.created >= since)
    )
    if (recent or 0) >= context.settings.datarequest_daily_limit:
        raise ValidationError({"limit": [LIMIT_REACHED]})


# --- actions ------------------------------------------------------------------------------------


@action(schema=CreateSchema)
def datarequest_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Ask for data that is not published yet, optionally of one department."""
    require_login(context)
    args = validate(CreateSchema(), data_dict)
    organization_id = _organization_id(context, args["organization_id"])
    _check_daily_limit(context)
    request = DataRequest(
        title=args["title"].strip(),
        description=args["description"].strip(),
        user_id=context.user_id,
        organization_id=organization_id,
        state=OPEN,
        hidden=False,
    )
    context.session.add(request)
    context.session.flush()
    return _record(context, request, "new")


@action(side_effect_free=True, schema=IdSchema)
def datarequest_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A data request, with its answer and the number of its supporters."""
    args = validate(IdSchema(), data_dict)
    return request_dict(context, find_request(context, args["id"]))


@action(side_effect_free=True, schema=ListSchema)
def datarequest_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Data requests, newest or most supported first, optionally of one state or department;
    hidden ones only with include_hidden, and only to sysadmins and their requester."""
    args = validate(ListSchema(), data_dict)
    query = select(DataRequest)
    if not args["include_hidden"] or context.user_id is None and not context.is_sysadmin:
        query = query.where(DataRequest.hidden.is_(False))
    elif not context.is_sysadmin:
        # (Never `user_id == None`: that would match the requests of purged accounts.)
        own = DataRequest.user_id == context.user_id
        query = query.where(DataRequest.hidden.is_(False) | own)
    if args["state"]:
        query = query.where(DataRequest.state == args["state"])
    if args["organization_id"]:
        try:
            org_id = find_organization(context, args["organization_id"]).id
        except NotFound:
            raise ValidationError({"organization_id": ["Organization does not exist"]}) from None
        query = query.where(DataRequest.organization_id == org_id)
    total = context.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if args["sort"] == "most_supported":
        supporters = (
            select(func.count())
            .where(DataRequestSupport.request_id == DataRequest.id)
            .correlate(DataRequest)
            .scalar_subquery()
        )
        query = query.order_by(supporters.desc(), DataRequest.created.desc())
    else:
        query = query.order_by(DataRequest.created.desc(), DataRequest.id)
    page = list(context.session.scalars(query.offset(args["offset"]).limit(args["limit"])))
    return {"count": total, "results": request_dicts(context, page)}


@action(schema=IdSchema)
def datarequest_support(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Support a data request (once per user: supporting again changes nothing)."""
    require_login(context)
    args = validate(IdSchema(), data_dict)
    request = find_request(context, args["id"])
    require(context.user is not None, "Only a signed-in user may support a data request.")
    key = {"request_id": request.id, "user_id": context.user_id}
    if context.session.get(DataRequestSupport, key) is None:
        try:
            with context.session.begin_nested():
                context.session.add(DataRequestSupport(**key))
        except IntegrityError:
            pass  # a concurrent call of the same user got there first: supported either way
    return request_dict(context, request)


@action(schema=IdSchema)
def datarequest_unsupport(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Withdraw one's support of a data request (nothing happens if there was none)."""
    require_login(context)
    args = validate(IdSchema(), data_dict)
    request = find_request(context, args["id"])
    key = {"request_id": request.id, "user_id": context.user_id}
    support = context.session.get(DataRequestSupport, key)
    if support is not None:
        context.session.delete(support)
        context.session.flush()
    return request_dict(context, request)


@action(schema=AnswerSchema)
def datarequest_answer(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Answer a data request for the department asked: planned, published (with the dataset)
    or refused (with a reason)."""
    require_login(context)
    args = validate(AnswerSchema(), data_dict)
    request = find_request(context, args["id"])
    require(
        has_role(context, request.organization_id, "editor"),
        "Only the department asked, or a sysadmin, may answer this data request.",
    )
    answer = (args["answer"] or "").strip() or None
    if args["state"] == REFUSED and answer is None:
        raise ValidationError({"answer": ["Give the reason for refusing."]})
    dataset_id = None
    if args["state"] == PUBLISHED:
        dataset_id = _public_dataset(context, args["dataset_id"]).id
    now = utcnow()
    request.state = args["state"]
    request.answer = answer
    request.dataset_id = dataset_id
    request.answered = request.answered or now
    request.modified = now
    context.session.flush()
    return _record(context, request, "answered")


@action(schema=IdSchema)
def datarequest_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Delete a data request: its requester while it is still open, or a sysadmin."""
    require_login(context)
    args = validate(IdSchema(), data_dict)
    request = find_request(context, args["id"])
    own = context.user_id is not None and request.user_id == context.user_id
    require(
        context.is_sysadmin or (own and request.state == OPEN),
        "Only the requester of an open data request, or a sysadmin, may delete it.",
    )
    _record(context, request, "deleted")
    # Its supporters go with it (ON DELETE CASCADE).
    context.session.delete(request)
    return None


# --- moderation ---------------------------------------------------------------------------------


@action(schema=ReportSchema)
def datarequest_report(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Report a data request to the moderators (spam, abuse) with a reason; once per user: a
    second report of the same user replaces the first."""
    require_login(context)
    args = validate(ReportSchema(), data_dict)
    request = find_request(context, args["id"])
    require(context.user is not None, "Only a signed-in user may report a data request.")
    key = {"request_id": request.id, "user_id": context.user_id}
    report = context.session.get(DataRequestReport, key) or DataRequestReport(**key)
    report.reason, report.created, report.resolved = args["reason"].strip(), utcnow(), None
    context.session.add(report)
    context.session.flush()
    return request_dict(context, request)


@action(schema=ModerateSchema)
def datarequest_moderate(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Hide a data request (only its requester and sysadmins see it then) or restore it;
    either way its open reports are resolved (sysadmins only)."""
    require_login(context)
    args = validate(ModerateSchema(), data_dict)
    require(context.is_sysadmin, "Only a sysadmin may moderate data requests.")
    request = find_request(context, args["id"])
    request.hidden = args["decision"] == "hide"
    now = utcnow()
    for report in context.session.scalars(
        select(DataRequestReport).where(
            DataRequestReport.request_id == request.id, DataRequestReport.resolved.is_(None)
        )
    ):
        report.resolved = now
    request.modified = now
    context.session.flush()
    return _record(context, request, "hidden" if request.hidden else "restored")


@action(side_effect_free=True, schema=QueueSchema)
def datarequest_report_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The moderation queue: data requests with open reports, most recently reported first,
    each with its reports (sysadmins only)."""
    require_login(context)
    args = validate(QueueSchema(), data_dict)
    require(context.is_sysadmin, "Only a sysadmin may read the reports.")
    latest = (
        select(DataRequestReport.request_id, func.max(DataRequestReport.created).label("latest"))
        .where(DataRequestReport.resolved.is_(None))
        .group_by(DataRequestReport.request_id)
        .subquery()
    )
    total = context.session.scalar(select(func.count()).select_from(latest)) or 0
    requests = list(
        context.session.scalars(
            select(DataRequest)
            .join(latest, latest.c.request_id == DataRequest.id)
            .order_by(latest.c.latest.desc(), DataRequest.id)
            .offset(args["offset"])
            .limit(args["limit"])
        )
    )
    reports = _reports_of(context, [r.id for r in requests])
    results = [
        {**item, "reports": reports.get(item["id"], [])}
        for item in request_dicts(context, requests)
    ]
    return {"count": total, "results": results}


def _reports_of(context: Context, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not ids:
        return {}
    rows = context.session.execute(
        select(DataRequestReport, User.name)
        .join(User, User.id == DataRequestReport.user_id)
        .where(DataRequestReport.request_id.in_(ids), DataRequestReport.resolved.is_(None))
        .order_by(DataRequestReport.created.desc())
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for report, name in rows:
        found.setdefault(report.request_id, []).append(
            {"user_name": name, "reason": report.reason, "created": iso(report.created)}
        )
    return found


# --- statistics ---------------------------------------------------------------------------------


@action(side_effect_free=True)
def datarequest_stats(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """How departments answer data requests (public): per department and for the whole site,
    requests by state, how many were answered, and the median and mean days to the first
    answer; requests not addressed to a department count in the total only."""
    rows = context.session.execute(
        select(DataRequest.organization_id, DataRequest.state, DataRequest.created,
               DataRequest.answered)  # fmt: skip
        .where(DataRequest.hidden.is_(False))  # spam a moderator hid counts nowhere
    ).all()
    grouped: dict[str | None, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.organization_id, []).append(row)
    orgs = {o.id: o for o in _by_ids(context, Organization, set(grouped) - {None})}
    departments = [
        {**_response_figures(grouped[org_id]), "organization": _organization_dict(org)}
        for org_id, org in orgs.items()
    ]
    departments.sort(key=lambda d: (-d["count"], d["organization"]["name"]))
    return {"total": _response_figures(rows), "departments": departments}


def _response_figures(rows: list[Any]) -> dict[str, Any]:
    days = sorted(
        (r.answered - r.created).total_seconds() / 86400 for r in rows if r.answered is not None
    )
    return {
        "count": len(rows),
        "states": {state: sum(1 for r in rows if r.state == state) for state in STATES},
        "answered": len(days),
        "median_response_days": round(statistics.median(days), 2) if days else None,
        "mean_response_days": round(statistics.fmean(days), 2) if days else None,
    }

"""Conditional opening: access_request_create, _show, _list, _approve and _reject, and
access_grant_revoke and access_grant_list.

A signed-in user applies for the data of a conditionally open dataset (portal.access.guard);
the admins and editors of its department, and sysadmins, approve (possibly for a shorter
period) or reject with a reason. Approval makes a grant that the guard honours until it
expires or the department revokes it. Applications are read by their applicant and their
reviewers only; to anyone else they do not exist. Every step goes in the activity log (the
dicts carry user names, never e-mail addresses) and the people concerned are mailed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select

from portal.access import mails
from portal.access.guard import is_conditional, may_use_data
from portal.access.models import (
    APPROVED,
    EXPIRED,
    PENDING,
    REJECTED,
    REVOKED,
    AccessGrant,
    AccessRequest,
)
from portal.access.schemas import (
    ApproveSchema,
    CreateSchema,
    GrantListSchema,
    IdSchema,
    ListSchema,
    RejectSchema,
    RevokeSchema,
)
from portal.actions import Context, action, validate
from portal.auth.models import User
from portal.auth.permissions import (
    editable_org_ids,
    has_role,
    require,
    require_login,
    require_readable,
)
from portal.catalog import activity
from portal.catalog.dictize import iso
from portal.catalog.models import Dataset
from portal.catalog.queries import find_dataset
from portal.database import utcnow
from portal.errors import NotFound, ValidationError

# --- who may see and decide -----------------------------------------------------------------


def _reviews(context: Context, dataset: Dataset | None) -> bool:
    return dataset is not None and has_role(context, dataset.owner_org, "editor")


def _visible(context: Context, request: AccessRequest, dataset: Dataset | None) -> bool:
    own = context.user_id is not None and request.user_id == context.user_id
    return own or _reviews(context, dataset)


def find_request(context: Context, ident: Any) -> tuple[AccessRequest, Dataset]:
    """The application, if the caller may read it: Not Found for everyone else."""
    found = context.session.get(AccessRequest, ident) if isinstance(ident, str) and ident else None
    dataset = context.session.get(Dataset, found.dataset_id) if found is not None else None
    if found is None or dataset is None or not _visible(context, found, dataset):
        raise NotFound("Access request not found")
    return found, dataset


def _scope(context: Context, query: Select, owner: Any, role: str | None) -> Select:
    """Only the rows the caller may read: their own, and their departments' to review."""
    mine = owner == context.user_id
    reviewed = Dataset.owner_org.in_(editable_org_ids(context))
    if role == "applicant":
        return query.where(mine)
    if context.is_sysadmin:
        return query
    return query.where(reviewed if role == "reviewer" else or_(mine, reviewed))


# --- dicts ------------------------------------------------------------------------------------


def _grant_state(grant: AccessGrant, now: datetime) -> str:
    if grant.revoked_at is not None:
        return REVOKED
    return "active" if grant.expires_at > now else EXPIRED


def _request_state(request: AccessRequest, grant: AccessGrant | None, now: datetime) -> str:
    if request.state == APPROVED and grant is not None and grant.expires_at <= now:
        return EXPIRED
    return request.state


def _dataset_keys(dataset: Dataset | None) -> dict[str, Any]:
    return {
        "dataset_name": dataset.name if dataset else None,
        "dataset_title": dataset.title if dataset else None,
        "organization_id": dataset.owner_org if dataset else None,
    }


def grant_dict(grant: AccessGrant, users: dict[str, User], datasets: dict[str, Dataset],
               now: datetime) -> dict[str, Any]:  # fmt: skip
    user = users.get(grant.user_id)
    return {
        "id": grant.id,
        "request_id": grant.request_id,
        "user_id": grant.user_id,
        "user_name": user.name if user else None,
        "dataset_id": grant.dataset_id,
        **_dataset_keys(datasets.get(grant.dataset_id)),
        "state": _grant_state(grant, now),
        "created": iso(grant.created),
        "expires_at": iso(grant.expires_at),
        "revoked_at": iso(grant.revoked_at),
        "revoke_reason": grant.revoke_reason,
    }


def _by_ids(context: Context, model: Any, column: Any, ids: set[str | None]) -> list[Any]:
    wanted = [i for i in ids if i]
    if not wanted:
        return []
    return list(context.session.scalars(select(model).where(column.in_(wanted))))


def request_dicts(context: Context, requests: list[AccessRequest]) -> list[dict[str, Any]]:
    """The dicts of several applications, with three queries whatever their number."""
    people = {r.user_id for r in requests} | {r.reviewer_id for r in requests}
    users = {u.id: u for u in _by_ids(context, User, User.id, people)}
    datasets = {
        d.id: d for d in _by_ids(context, Dataset, Dataset.id, {r.dataset_id for r in requests})
    }
    grants = {
        g.request_id: g
        for g in _by_ids(context, AccessGrant, AccessGrant.request_id, {r.id for r in requests})
    }
    now = utcnow()
    return [_request_dict(r, grants.get(r.id), users, datasets, now) for r in requests]


def _request_dict(request: AccessRequest, grant: AccessGrant | None, users: dict[str, User],
                  datasets: dict[str, Dataset], now: datetime) -> dict[str, Any]:  # fmt: skip
    user, reviewer = users.get(request.user_id), users.get(request.reviewer_id or "")
    return {
        "id": request.id,
        "dataset_id": request.dataset_id,
        **_dataset_keys(datasets.get(request.dataset_id)),
        "user_id": request.user_id,
        "user_name": user.name if user else None,
        "purpose": request.purpose,
        "scenario": request.scenario,
        "organization": request.organization,
        "days": request.days,
        "commitment": request.commitment,
        "state": _request_state(request, grant, now),
        "overdue": request.state == PENDING and request.due < now,
        "reason": request.reason,
        "reviewer_name": reviewer.name if reviewer else None,
        "created": iso(request.created),
        "due": iso(request.due),
        "decided": iso(request.decided),
        "grant": grant_dict(grant, users, datasets, now) if grant is not None else None,
    }


def request_dict(context: Context, request: AccessRequest) -> dict[str, Any]:
    return request_dicts(context, [request])[0]


def _record(context: Context, request: AccessRequest, what: str) -> dict[str, Any]:
    result = request_dict(context, request)
    activity.record(context, request.id, what, result)
    return result


def _applicant_email(context: Context, request: AccessRequest) -> str | None:
    user = context.session.get(User, request.user_id)
    return user.email if user is not None and user.state == "active" else None


# --- applying -----------------------------------------------------------------------------------


def _check_can_apply(context: Context, dataset: Dataset) -> None:
    if not is_conditional(dataset.profile_fields):
        raise ValidationError(
            {"dataset_id": ["This dataset is not conditionally open: no application is needed."]}
        )
    if may_use_data(context, dataset):
        raise ValidationError({"dataset_id": ["You already have access to this dataset's data."]})
    pending = context.session.scalar(
        select(AccessRequest.id).where(
            AccessRequest.dataset_id == dataset.id,
            AccessRequest.user_id == context.user_id,
            AccessRequest.state == PENDING,
        )
    )
    if pending is not None:
        raise ValidationError(
            {"dataset_id": ["You already have an application for this dataset under review."]}
        )


@action(schema=CreateSchema)
def access_request_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Apply for the data of a conditionally open dataset (signed in): purpose, use scenario,
    organisation, period in days and the accepted data security commitment."""
    require_login(context)
    require(context.user is not None, "Only a signed-in user may apply for access.")
    args = validate(CreateSchema(), data_dict)
    dataset = find_dataset(context, args["dataset_id"])
    require_readable(context, dataset)
    _check_can_apply(context, dataset)
    now = utcnow()
    request = AccessRequest(
        dataset_id=dataset.id,
        user_id=context.user_id,
        purpose=args["purpose"].strip(),
        scenario=args["scenario"].strip(),
        organization=args["organization"].strip(),
        days=args["days"],
        commitment=True,
        state=PENDING,
        created=now,
        due=now + timedelta(days=context.settings.access_review_days),
    )
    context.session.add(request)
    context.session.flush()
    result = _record(context, request, "new access_request")
    mails.new_application(context, dataset.owner_org, result)
    return result


@action(side_effect_free=True, schema=IdSchema)
def access_request_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """An application, to its applicant and its reviewers."""
    args = validate(IdSchema(), data_dict)
    request, _dataset = find_request(context, args["id"])
    return request_dict(context, request)


def _state_clause(state: str | None, now: datetime) -> Any:
    live = AccessGrant.expires_at > now
    clauses = {
        APPROVED: and_(AccessRequest.state == APPROVED, live),
        EXPIRED: and_(AccessRequest.state == APPROVED, ~live),
        "overdue": and_(AccessRequest.state == PENDING, AccessRequest.due < now),
    }
    return clauses.get(state or "", AccessRequest.state == state) if state else None


def _dataset_id(context: Context, ident: str | None) -> str | None:
    if not ident:
        return None
    try:
        return find_dataset(context, ident).id
    except NotFound:
        raise ValidationError({"dataset_id": ["Dataset not found"]}) from None


def _paged(context: Context, query: Select, args: dict[str, Any], model: Any) -> tuple[int, list]:
    total = context.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(model.created.desc(), model.id)
    return total, list(context.session.scalars(query.offset(args["offset"]).limit(args["limit"])))


@action(side_effect_free=True, schema=ListSchema)
def access_request_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Applications, newest first: the caller's own, and those of the departments whose
    datasets they review (sysadmins: all); by state (overdue: pending past the deadline)."""
    require_login(context)
    args = validate(ListSchema(), data_dict)
    query = (
        select(AccessRequest)
        .join(Dataset, Dataset.id == AccessRequest.dataset_id)
        .outerjoin(AccessGrant, AccessGrant.request_id == AccessRequest.id)
    )
    query = _scope(context, query, AccessRequest.user_id, args["role"])
    clause = _state_clause(args["state"], utcnow())
    if clause is not None:
        query = query.where(clause)
    dataset_id = _dataset_id(context, args["dataset_id"])
    if dataset_id:
        query = query.where(AccessRequest.dataset_id == dataset_id)
    total, page = _paged(context, query, args, AccessRequest)
    return {"count": total, "results": request_dicts(context, page)}


# --- deciding -----------------------------------------------------------------------------------


def _pending_for_review(context: Context, ident: Any) -> tuple[AccessRequest, Dataset]:
    require_login(context)
    request, dataset = find_request(context, ident)
    require(
        _reviews(context, dataset),
        "Only the admins and editors of the dataset's department, or a sysadmin, may decide "
        "on this application.",
    )
    if request.state != PENDING:
        raise ValidationError({"state": ["Only an application under review can be decided."]})
    return request, dataset


@action(schema=ApproveSchema)
def access_request_approve(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Approve an application: a grant for the period asked, or a shorter one (days)."""
    args = validate(ApproveSchema(), data_dict)
    request, dataset = _pending_for_review(context, args["id"])
    days = args["days"] or request.days
    if days > request.days:
        raise ValidationError({"days": ["The period can be shortened, not lengthened."]})
    now = utcnow()
    request.state, request.decided, request.reviewer_id = APPROVED, now, context.user_id
    request.reason = (args["reason"] or "").strip() or None
    context.session.add(
        AccessGrant(
            request_id=request.id,
            user_id=request.user_id,
            dataset_id=dataset.id,
            created=now,
            expires_at=now + timedelta(days=days),
        )
    )
    context.session.flush()
    result = _record(context, request, "approved access_request")
    mails.decided(context, _applicant_email(context, request), result)
    return result


@action(schema=RejectSchema)
def access_request_reject(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Reject an application, with the reason the applicant reads."""
    args = validate(RejectSchema(), data_dict)
    request, _dataset = _pending_for_review(context, args["id"])
    request.state, request.decided, request.reviewer_id = REJECTED, utcnow(), context.user_id
    request.reason = args["reason"].strip()
    context.session.flush()
    result = _record(context, request, "rejected access_request")
    mails.decided(context, _applicant_email(context, request), result)
    return result


@action(schema=RevokeSchema)
def access_grant_revoke(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Revoke a grant at once (the department's reviewers or a sysadmin); returns its
    application."""
    require_login(context)
    args = validate(RevokeSchema(), data_dict)
    grant = context.session.get(AccessGrant, args["id"])
    if grant is None:
        raise NotFound("Access grant not found")
    request, dataset = find_request(context, grant.request_id)
    require(
        _reviews(context, dataset),
        "Only the admins and editors of the dataset's department, or a sysadmin, may revoke "
        "this grant.",
    )
    if grant.revoked_at is not None:
        raise ValidationError({"id": ["This grant is already revoked."]})
    grant.revoked_at, grant.revoked_by = utcnow(), context.user_id
    grant.revoke_reason = (args["reason"] or "").strip() or None
    request.state = REVOKED
    context.session.flush()
    result = _record(context, request, "revoked access_grant")
    mails.revoked(context, _applicant_email(context, request), result)
    return result


@action(side_effect_free=True, schema=GrantListSchema)
def access_grant_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Grants, newest first: the caller's own and those of the departments they review
    (sysadmins: all); by state (active, expired, revoked)."""
    require_login(context)
    args = validate(GrantListSchema(), data_dict)
    query = select(AccessGrant).join(Dataset, Dataset.id == AccessGrant.dataset_id)
    query = _scope(context, query, AccessGrant.user_id, args["role"])
    now = utcnow()
    if args["state"] == REVOKED:
        query = query.where(AccessGrant.revoked_at.is_not(None))
    elif args["state"]:
        live = AccessGrant.expires_at > now
        query = query.where(AccessGrant.revoked_at.is_(None), live if args["state"] == "active"
                            else ~live)  # fmt: skip
    dataset_id = _dataset_id(context, args["dataset_id"])
    if dataset_id:
        query = query.where(AccessGrant.dataset_id == dataset_id)
    total, page = _paged(context, query, args, AccessGrant)
    users = {u.id: u for u in _by_ids(context, User, User.id, {g.user_id for g in page})}
    shown = _by_ids(context, Dataset, Dataset.id, {g.dataset_id for g in page})
    datasets = {d.id: d for d in shown}
    return {"count": total, "results": [grant_dict(g, users, datasets, now) for g in page]}

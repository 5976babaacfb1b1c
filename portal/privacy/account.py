"""A user's own data: `user_data_export` (everything the portal holds about the caller, as
JSON) and the self-service part of `user_delete` (portal.auth.user_admin), which erases the
account after its password is confirmed.

Erasing keeps what belongs to others: the datasets a user created stay with their department,
public data requests stay without a name, and activity stays in the streams, anonymised (no
user id). The account row stays as a tombstone (so the login name cannot be taken over to
impersonate it), with its name replaced and its e-mail, full name, description and password
removed; its tokens, memberships, login failures and support of requests are deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from portal.actions import Context, action, validate
from portal.auth.models import ApiToken, LoginFailure, User
from portal.auth.permissions import forget_roles, require_login
from portal.catalog.dictize import iso
from portal.catalog.models import Activity, Dataset, Member, Organization
from portal.fields import LenientSchema
from portal.requests.models import DataRequest, DataRequestSupport

#: At most this many activity records are exported (the newest).
MAX_ACTIVITY = 10_000


class ExportSchema(LenientSchema):
    pass


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "fullname": user.fullname,
        "email": user.email,
        "about": user.about,
        "sysadmin": user.sysadmin,
        "state": user.state,
        "created": iso(user.created),
    }


def _rows(context: Context, query: Any) -> list[Any]:
    return list(context.session.execute(query))


@action(side_effect_free=True, schema=ExportSchema)
def user_data_export(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Everything the portal holds about the caller: profile, departments, the ids of the
    datasets they created, their API tokens (never the secrets: only their hashes are
    stored, and those are not exported either), data requests and activity."""
    require_login(context)
    validate(ExportSchema(), data_dict)
    user = context.session.get(User, context.user_id)
    uid = user.id
    members = (
        select(Organization.name, Member.role)
        .join(Member, Member.organization_id == Organization.id)
        .where(Member.user_id == uid)
    )
    tokens = select(ApiToken).where(ApiToken.user_id == uid).order_by(ApiToken.created_at)
    requests = select(DataRequest).where(DataRequest.user_id == uid).order_by(DataRequest.created)
    activity = (
        select(Activity)
        .where(Activity.user_id == uid)
        .order_by(Activity.timestamp.desc())
        .limit(MAX_ACTIVITY)
    )
    session = context.session
    return {
        "profile": _profile(user),
        "organizations": [{"name": n, "role": r} for n, r in _rows(context, members)],
        "datasets": list(session.scalars(select(Dataset.id).where(Dataset.creator_user_id == uid))),
        "api_tokens": [
            {"id": t.id, "name": t.name, "created": iso(t.created_at),
             "last_access": iso(t.last_access)}
            for t in session.scalars(tokens)
        ],  # fmt: skip
        "data_requests": [
            {"id": r.id, "title": r.title, "description": r.description, "state": r.state,
             "created": iso(r.created)}
            for r in session.scalars(requests)
        ],  # fmt: skip
        "supported_requests": list(
            session.scalars(
                select(DataRequestSupport.request_id).where(DataRequestSupport.user_id == uid)
            )
        ),
        "activity": [
            {"id": a.id, "timestamp": iso(a.timestamp), "activity_type": a.activity_type,
             "object_id": a.object_id}
            for a in session.scalars(activity)
        ],  # fmt: skip
    }


def erase_account(context: Context, user: User) -> None:
    """Erase a user's personal data, keeping what belongs to others (see the module)."""
    session = context.session
    uid = user.id
    session.execute(update(Activity).where(Activity.user_id == uid).values(user_id=None))
    session.execute(delete(Member).where(Member.user_id == uid))
    session.execute(delete(ApiToken).where(ApiToken.user_id == uid))
    session.execute(delete(DataRequestSupport).where(DataRequestSupport.user_id == uid))
    session.execute(delete(LoginFailure).where(LoginFailure.username == uid))
    session.execute(update(DataRequest).where(DataRequest.user_id == uid).values(user_id=None))
    user.name = f"deleted-{uid[:8]}"
    user.fullname = user.email = user.about = user.password_hash = None
    user.state = "deleted"
    session.flush()
    forget_roles(context)

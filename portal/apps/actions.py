"""Application and key actions: app_create, _show, _list, _update, _delete, app_key_create,
_list and _revoke.

Any signed-in user (a developer) registers applications and manages their keys; a sysadmin
sees and manages everyone's and alone sets an application's own rate limit. A key is an API
token of the application's owner (portal.auth.tokens): shown once, stored hashed, read-only
and expiring if asked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from portal.actions import Context, action, validate
from portal.apps.models import App
from portal.apps.schemas import (
    AppCreateSchema,
    AppListSchema,
    AppUpdateSchema,
    IdSchema,
    KeyCreateSchema,
    KeyListSchema,
)
from portal.auth.models import ApiToken, User
from portal.auth.permissions import require, require_login
from portal.auth.tokens import new_token
from portal.catalog.dictize import iso
from portal.database import utcnow
from portal.errors import NotFound

# --- lookups and dicts --------------------------------------------------------------------------


def find_app(context: Context, ident: Any) -> App:
    """An application the caller may manage: their own, or any for a sysadmin."""
    found = context.session.get(App, ident) if isinstance(ident, str) and ident else None
    if found is None:
        raise NotFound("Application not found")
    require(
        context.is_sysadmin or found.user_id == context.user_id,
        "Only the application's owner, or a sysadmin, may see or change it.",
    )
    return found


def effective_rate_limit(context: Context, app: App | None) -> str:
    """The limit an application's keys get: its own, else PORTAL_RATE_LIMIT_KEY."""
    return (app.rate_limit if app is not None else None) or context.settings.rate_limit_key


def app_dicts(context: Context, apps: list[App]) -> list[dict[str, Any]]:
    """The dicts of several applications with two queries whatever their number."""
    ids = [a.id for a in apps]
    counts = dict(
        context.session.execute(
            select(ApiToken.app_id, func.count()).where(ApiToken.app_id.in_(ids))
            .group_by(ApiToken.app_id)
        ).all()
    ) if ids else {}  # fmt: skip
    owners = {a.user_id for a in apps}
    names = dict(
        context.session.execute(select(User.id, User.name).where(User.id.in_(owners))).all()
    ) if owners else {}  # fmt: skip
    return [
        {
            "id": a.id,
            "name": a.name,
            "description": a.description,
            "url": a.url,
            "user_id": a.user_id,
            "user_name": names.get(a.user_id),
            "rate_limit": a.rate_limit,
            "effective_rate_limit": effective_rate_limit(context, a),
            "key_count": counts.get(a.id, 0),
            "created": iso(a.created),
            "modified": iso(a.modified),
        }
        for a in apps
    ]


def key_dict(token: ApiToken) -> dict[str, Any]:
    expires = token.expires_at
    return {
        "id": token.id,
        "app_id": token.app_id,
        "name": token.name,
        "read_only": token.read_only,
        "created_at": iso(token.created_at),
        "last_access": iso(token.last_access),
        "expires_at": iso(expires),
        "expired": expires is not None and expires <= utcnow(),
    }


def _require_rate_limit_right(context: Context, args: dict[str, Any]) -> None:
    require(
        args.get("rate_limit") is None or context.is_sysadmin,
        "Only a sysadmin may set an application's rate limit.",
    )


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


# --- applications -------------------------------------------------------------------------------


@action(schema=AppCreateSchema)
def app_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Register an application (name, description, web address); then create its keys."""
    require_login(context)
    args = validate(AppCreateSchema(), data_dict)
    _require_rate_limit_right(context, args)
    app = App(
        user_id=context.user_id,
        name=args["name"].strip(),
        description=_text(args["description"]),
        url=_text(args["url"]),
        rate_limit=_text(args["rate_limit"]),
    )
    context.session.add(app)
    context.session.flush()
    return app_dicts(context, [app])[0]


@action(side_effect_free=True, schema=IdSchema)
def app_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """One of the caller's applications (a sysadmin: anyone's)."""
    require_login(context)
    args = validate(IdSchema(), data_dict)
    return app_dicts(context, [find_app(context, args["id"])])[0]


@action(side_effect_free=True, schema=AppListSchema)
def app_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The caller's applications, newest first (a sysadmin with all=true: everyone's)."""
    require_login(context)
    args = validate(AppListSchema(), data_dict)
    query = select(App).order_by(App.created.desc(), App.id)
    if not (args["all"] and context.is_sysadmin):
        query = query.where(App.user_id == context.user_id)
    return app_dicts(context, list(context.session.scalars(query)))


@action(schema=AppUpdateSchema)
def app_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change an application's name, description or web address (only the fields given);
    a sysadmin also its rate limit (null: the site's default)."""
    require_login(context)
    args = validate(AppUpdateSchema(), data_dict)
    app = find_app(context, args["id"])
    if "rate_limit" in args:
        require(context.is_sysadmin, "Only a sysadmin may set an application's rate limit.")
        app.rate_limit = _text(args["rate_limit"])
    if "name" in args:
        app.name = args["name"].strip()
    for key in ("description", "url"):
        if key in args:
            setattr(app, key, _text(args[key]))
    app.modified = utcnow()
    context.session.flush()
    return app_dicts(context, [app])[0]


@action(schema=IdSchema)
def app_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Delete an application; its keys stop working at once (their counted calls stay)."""
    require_login(context)
    args = validate(IdSchema(), data_dict)
    app = find_app(context, args["id"])
    context.session.execute(delete(ApiToken).where(ApiToken.app_id == app.id))
    context.session.delete(app)
    return None


# --- keys ---------------------------------------------------------------------------------------


@action(schema=KeyCreateSchema)
def app_key_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Create a key of an application: a CKAN API token of its owner, in the result once and
    never shown again; read_only refuses every action that changes data; expires_in_days
    ends it after that many days."""
    require_login(context)
    args = validate(KeyCreateSchema(), data_dict)
    app = find_app(context, args["app_id"])
    days = args["expires_in_days"]
    secret, hashed = new_token()
    token = ApiToken(
        user_id=app.user_id,
        app_id=app.id,
        name=_text(args["name"]) or app.name,
        token_hash=hashed,
        read_only=args["read_only"],
        expires_at=utcnow() + timedelta(days=days) if days else None,
        created_at=utcnow(),
    )
    context.session.add(token)
    context.session.flush()
    return {**key_dict(token), "token": secret}


@action(side_effect_free=True, schema=KeyListSchema)
def app_key_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """An application's keys, oldest first: names, flags and dates, never the secrets."""
    require_login(context)
    args = validate(KeyListSchema(), data_dict)
    app = find_app(context, args["app_id"])
    tokens = context.session.scalars(
        select(ApiToken).where(ApiToken.app_id == app.id).order_by(ApiToken.created_at)
    )
    return [key_dict(t) for t in tokens]


@action(schema=IdSchema)
def app_key_revoke(context: Context, data_dict: dict[str, Any]) -> None:
    """Revoke an application's key by its id: it stops working at once."""
    require_login(context)
    args = validate(IdSchema(), data_dict)
    token = context.session.get(ApiToken, args["id"])
    if token is None or token.app_id is None:
        raise NotFound("Key not found")
    find_app(context, token.app_id)  # the owner's or a sysadmin's to revoke
    context.session.delete(token)
    return None

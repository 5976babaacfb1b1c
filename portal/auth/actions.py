"""User and API token actions."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError as FieldError
from marshmallow import fields, validates_schema
from marshmallow import validate as v
from sqlalchemy import select

from portal.actions import Context, action, validate
from portal.auth.models import ApiToken, User
from portal.auth.passwords import hash_password
from portal.auth.permissions import require, require_login, require_sysadmin
from portal.auth.tokens import new_token, token_hash
from portal.catalog.dictize import iso
from portal.catalog.queries import find_user
from portal.errors import NotFound, ValidationError
from portal.fields import REQUIRED, Email, LenientSchema, Name, StrictSchema, Text


class UserShowSchema(LenientSchema):
    id = fields.String(load_default=None)
    include_password_hash = fields.Boolean(load_default=False)


class UserCreateSchema(StrictSchema):
    # What user_show returns, sent back unchanged by `ckanapi load users`.
    READ_ONLY = frozenset({"display_name", "state", "created", "number_created_packages"})

    name = Name(required=True)
    email = Email(required=True, error_messages=REQUIRED)
    password = fields.String(
        validate=v.Length(min=8, max=1000, error="Must be at least 8 characters."),
    )
    # A sysadmin loading users dumped from this portal (user_show include_password_hash).
    password_hash = fields.String(allow_none=True, validate=v.Length(max=500))
    fullname = Text(200)
    about = Text(10_000)
    sysadmin = fields.Boolean(load_default=False)
    id = fields.String(validate=v.Length(min=1, max=36))

    @validates_schema(skip_on_field_errors=False)
    def a_password(self, data: dict[str, Any], **_kwargs: Any) -> None:
        # Reported with the other field errors; either a password or a dumped hash will do.
        if not data.get("password") and not data.get("password_hash"):
            raise FieldError(PASSWORD_MISSING, "password")


PASSWORD_MISSING = "Missing value: give a password (or a password_hash from user_show)."


class TokenCreateSchema(LenientSchema):
    user = fields.String(required=True, error_messages=REQUIRED)
    name = fields.String(required=True, error_messages=REQUIRED, validate=v.Length(1, 200))


class TokenListSchema(LenientSchema):
    user_id = fields.String(load_default=None)
    user = fields.String(load_default=None)


class TokenRevokeSchema(LenientSchema):
    token = fields.String(load_default=None)
    jti = fields.String(load_default=None)


def user_dict(user: User, private: bool) -> dict[str, Any]:
    data = {
        "id": user.id,
        "name": user.name,
        "fullname": user.fullname,
        "display_name": user.fullname or user.name,
        "about": user.about,
        "sysadmin": user.sysadmin,
        "state": user.state,
        "created": iso(user.created),
    }
    if private:
        data["email"] = user.email
    return data


def _self_or_sysadmin(context: Context, user: User, what: str) -> None:
    require_login(context)
    allowed = context.is_sysadmin or (context.user is not None and context.user.id == user.id)
    require(allowed, f"Not authorized to {what} of user {user.name}")


@action(side_effect_free=True, schema=UserShowSchema)
def user_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A user's public profile; email only for the user and sysadmins."""
    args = validate(UserShowSchema(), data_dict)
    if args["id"] is None:
        require_login(context)
        user = context.user
    else:
        user = find_user(context, args["id"])
    is_self = context.user is not None and context.user.id == user.id
    data = user_dict(user, private=is_self or context.is_sysadmin)
    if args["include_password_hash"] and context.is_sysadmin:
        data["password_hash"] = user.password_hash  # for `ckanapi dump users`, as in CKAN
    return data


@action(schema=UserCreateSchema)
def user_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Create an account (sysadmins: departments' staff are registered, not self-signed)."""
    require_sysadmin(context, "create users")
    payload = validate(UserCreateSchema(), data_dict)
    password_hash = _new_password_hash(payload)
    if context.session.scalar(select(User.id).where(User.name == payload["name"])):
        raise ValidationError({"name": ["That login name is not available."]})
    if "id" in payload and context.session.get(User, payload["id"]) is not None:
        raise ValidationError({"id": ["User id already exists."]})
    user = User(
        id=payload.get("id"),
        name=payload["name"],
        email=payload["email"],
        fullname=payload.get("fullname"),
        about=payload.get("about"),
        sysadmin=payload["sysadmin"],
        password_hash=password_hash,
    )
    context.session.add(user)
    context.session.flush()
    return user_dict(user, private=True)


def _new_password_hash(payload: dict[str, Any]) -> str:
    if payload.get("password"):
        return hash_password(payload["password"])
    if payload.get("password_hash"):
        from portal.auth.user_admin import imported_password_hash

        return imported_password_hash(payload["password_hash"])
    raise ValidationError({"password": [PASSWORD_MISSING]})


@action(schema=TokenCreateSchema)
def api_token_create(context: Context, data_dict: dict[str, Any]) -> dict[str, str]:
    """Create an API token; the token is in the result and never shown again."""
    args = validate(TokenCreateSchema(), data_dict)
    require_login(context)
    try:
        user = find_user(context, args["user"])
    except NotFound:
        raise ValidationError({"user": ["User not found"]}) from None
    _self_or_sysadmin(context, user, "create tokens")
    secret, hashed = new_token()
    token = ApiToken(user_id=user.id, name=args["name"], token_hash=hashed)
    context.session.add(token)
    context.session.flush()
    return {"token": secret, "id": token.id}


@action(side_effect_free=True, schema=TokenListSchema)
def api_token_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """A user's tokens (names and dates, never the secrets)."""
    args = validate(TokenListSchema(), data_dict)
    require_login(context)
    ident = args["user_id"] or args["user"] or context.user_id
    user = find_user(context, ident)
    _self_or_sysadmin(context, user, "list tokens")
    tokens = context.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
    )
    return [
        {
            "id": t.id,
            "name": t.name,
            "user_id": t.user_id,
            "created_at": iso(t.created_at),
            "last_access": iso(t.last_access),
        }
        for t in tokens
    ]


@action(schema=TokenRevokeSchema)
def api_token_revoke(context: Context, data_dict: dict[str, Any]) -> None:
    """Revoke a token, given the token itself or its id (`jti`)."""
    args = validate(TokenRevokeSchema(), data_dict)
    require_login(context)
    if args["token"]:
        token = context.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == token_hash(args["token"]))
        )
    elif args["jti"]:
        token = context.session.get(ApiToken, args["jti"])
    else:
        raise ValidationError({"token": ["Give the token or its id (jti)."]})
    if token is None:
        raise NotFound("Token not found")
    _self_or_sysadmin(context, token.user, "revoke tokens")
    context.session.delete(token)
    return None

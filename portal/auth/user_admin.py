"""Listing, changing and deleting accounts: CKAN's user_list, user_update and user_delete, which
clients such as `ckanapi dump users` / `load users` call."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import delete, or_, select

from portal.actions import Context, action, validate
from portal.auth.actions import user_dict
from portal.auth.models import ApiToken, User
from portal.auth.passwords import check_password, hash_password
from portal.auth.permissions import forget_roles, require, require_login, require_sysadmin
from portal.catalog.models import Member
from portal.catalog.queries import find_user
from portal.errors import NotFound, ValidationError
from portal.fields import REQUIRED, Email, LenientSchema, Name, StrictSchema, Text

ORDER_BY = {
    "name": User.name,
    "fullname": User.fullname,
    "display_name": User.fullname,
    "created": User.created,
    "email": User.email,
}
# What user_show returns (and ckanapi's dump writes) that an update may carry back unchanged.
USER_READ_ONLY = frozenset(
    {
        "display_name",
        "state",
        "created",
        "number_created_packages",
        "image_display_url",
        "email_hash",
        "last_active",
        "apikey",
        "plugin_extras",
        "activity_streams_email_notifications",
        "image_url",
    }
)


def imported_password_hash(value: str) -> str:
    """A hash carried over from a dump of this portal: only our own (Argon2) format logs in."""
    if not value.startswith("$argon2"):
        raise ValidationError({"password_hash": ["Not a password hash this portal can check."]})
    return value


class UserListSchema(LenientSchema):
    q = fields.String(load_default=None, validate=v.Length(max=200))
    email = fields.String(load_default=None, validate=v.Length(max=254))
    order_by = fields.String(load_default="name", validate=v.OneOf(sorted(ORDER_BY)))
    all_fields = fields.Boolean(load_default=True)
    limit = fields.Integer(load_default=1000, validate=v.Range(min=0, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


class UserUpdateSchema(StrictSchema):
    READ_ONLY = USER_READ_ONLY

    id = fields.String(required=True, error_messages=REQUIRED)
    name = Name()
    email = Email()
    password = fields.String(
        validate=v.Length(min=8, max=1000, error="Must be at least 8 characters.")
    )
    old_password = fields.String(validate=v.Length(max=1000))
    password_hash = fields.String(allow_none=True, validate=v.Length(max=500))
    fullname = Text(200)
    about = Text(10_000)
    sysadmin = fields.Boolean()


class UserDeleteSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    password = fields.String(
        load_default=None,
        metadata={"description": "Deleting your own account: your password, to confirm."},
    )


@action(side_effect_free=True, schema=UserListSchema)
def user_list(context: Context, data_dict: dict[str, Any]) -> list[Any]:
    """Active users, by name; `q` matches name, full name (and email for sysadmins)."""
    args = validate(UserListSchema(), data_dict)
    query = select(User).where(User.state == "active")
    if args["q"]:
        columns = [User.name, User.fullname]
        if context.is_sysadmin:
            columns.append(User.email)
        query = query.where(or_(*(c.icontains(args["q"], autoescape=True) for c in columns)))
    if args["email"]:
        # Looking users up by address is for sysadmins: others could probe who has an account.
        require_sysadmin(context, "list users by email")
        query = query.where(User.email == args["email"])
    query = query.order_by(ORDER_BY[args["order_by"]], User.name)
    users = context.session.scalars(query.offset(args["offset"]).limit(args["limit"]))
    if not args["all_fields"]:
        return [u.name for u in users]
    return [user_dict(u, private=context.is_sysadmin) for u in users]


@action(schema=UserUpdateSchema)
def user_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change a user's details or password (the user themself or sysadmins); keys left out
    keep their value."""
    require_login(context)
    args = validate(UserUpdateSchema(), data_dict)
    user = find_user(context, args["id"])
    is_self = context.user is not None and context.user.id == user.id
    require(context.is_sysadmin or is_self, f"Not authorized to edit user {user.name}")
    if "sysadmin" in args and args["sysadmin"] != user.sysadmin:
        require_sysadmin(context, "change who is a sysadmin")
    _check_name(context, args.get("name"), user)
    _set_password(context, user, args, is_self)
    for key in ("name", "email", "fullname", "about", "sysadmin"):
        if key in args:
            setattr(user, key, args[key])
    context.session.flush()
    return user_dict(user, private=True)


@action(schema=UserDeleteSchema)
def user_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Delete a user (sysadmins): the account can no longer log in or use its tokens, and
    leaves its departments; its datasets stay. A user may delete their own account with
    their password: its personal data is then erased (portal.privacy.account)."""
    args = validate(UserDeleteSchema(), data_dict)
    if not context.is_sysadmin and context.user_id:
        try:
            user = find_user(context, args["id"])
        except NotFound:  # as for anyone who may not delete users: not authorized
            user = None
        if user is not None and user.id == context.user_id:
            _delete_self(context, user, args.get("password") or "")
            return None
    require_sysadmin(context, "delete users")
    user = find_user(context, args["id"])
    user.state = "deleted"
    context.session.execute(delete(Member).where(Member.user_id == user.id))
    context.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    context.session.flush()
    forget_roles(context)
    return None


def _delete_self(context: Context, user: User, password: str) -> None:
    from portal.privacy.account import erase_account  # the privacy domain reads auth models

    if not check_password(user.password_hash, password):
        raise ValidationError({"password": ["Password is incorrect"]})
    erase_account(context, user)


def _check_name(context: Context, name: str | None, user: User) -> None:
    if name is None or name == user.name:
        return
    if context.session.scalar(select(User.id).where(User.name == name)) is not None:
        raise ValidationError({"name": ["That login name is not available."]})


def _set_password(context: Context, user: User, args: dict[str, Any], is_self: bool) -> None:
    if args.get("password"):
        if (
            is_self
            and not context.is_sysadmin
            and not check_password(user.password_hash, args.get("old_password") or "")
        ):
            # As CKAN 2.9+: changing your own password needs the current one.
            raise ValidationError({"old_password": ["Old password is incorrect"]})
        user.password_hash = hash_password(args["password"])
    elif args.get("password_hash") and args["password_hash"] != user.password_hash:
        require_sysadmin(context, "set a password hash")
        user.password_hash = imported_password_hash(args["password_hash"])

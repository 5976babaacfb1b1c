"""Accounts a visitor manages alone, by e-mail: registering (PORTAL_REGISTRATION), confirming
the address, and resetting a forgotten password. The pages only show the outcomes.

A registered account is created by the user_create action (its rules: name, e-mail, password
length, argon2 hash) as "pending"; following the mailed link makes it "active", and login refuses
it until then. Requests are throttled per client address with the login throttle's table
(portal.auth.throttle), under keys of their own. Mail goes out after the commit
(portal.mail.send_after_commit); links are signed tokens (portal.auth.account_links).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import func, select

from portal.actions import Context, call, transaction, validate
from portal.auth import account_links, throttle
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.auth.signin import find_account
from portal.errors import ValidationError
from portal.fields import REQUIRED, StrictSchema
from portal.mail import mail_configured, send_after_commit

PENDING = "pending"
REGISTER_KEY = "!register"
RESET_KEY = "!reset"
# Names the account pages use under /user/: a user called so would have no profile page.
PAGE_NAMES = frozenset({"login", "logout", "register", "confirm", "reset", "tokens"})
REGISTER_FIELDS = ("name", "email", "password", "fullname", "about")

Link = Callable[[str], str]  # token -> the absolute URL of the page that takes it


class PasswordSchema(StrictSchema):
    password = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=v.Length(min=8, max=1000, error="Must be at least 8 characters."),
    )


@dataclass(frozen=True)
class Outcome:
    """What a request came to: `retry_after` seconds when it was throttled, else done."""

    retry_after: int = 0


def registration_open(context: Context) -> bool:
    """Self-registration needs both the setting and mail, for the confirmation link."""
    return context.settings.registration and mail_configured(context.settings)


def reset_available(context: Context) -> bool:
    return mail_configured(context.settings)


def register(context: Context, data: dict[str, Any], address: str, link: Link) -> Outcome:
    """Create a pending account and mail its confirmation link. Raises ValidationError with
    user_create's field errors (and a taken e-mail address)."""
    session = context.session
    wait = throttle.retry_after(session, REGISTER_KEY, address)
    if wait:
        return Outcome(wait)
    payload = {k: data[k] for k in REGISTER_FIELDS if data.get(k) not in (None, "")}
    if payload.get("name") in PAGE_NAMES:
        raise ValidationError({"name": ["That login name is not available."]})
    email = str(payload.get("email") or "").strip()
    if email and session.scalar(select(User.id).where(func.lower(User.email) == email.lower())):
        raise ValidationError({"email": ["An account with this e-mail address already exists."]})
    # The site creates the account for the visitor: user_create is otherwise for sysadmins.
    site = Context(session=session, app=context.app, ignore_auth=True)
    with transaction(site):
        created = call("user_create", site, {**payload, "sysadmin": False})
        user = session.get(User, created["id"])
        user.state = PENDING
        session.flush()
        token = account_links.make_token(context.app.secret_key, account_links.CONFIRM, user)
        send_after_commit(site, user.email, *confirmation_mail(user, link(token)))
    throttle.record_failure(session, REGISTER_KEY, address)
    return Outcome()


def confirm(context: Context, token: str) -> User | None:
    """Activate the pending account a confirmation link names (None: the link is not valid)."""
    session = context.session
    user = account_links.user_for_token(
        session, context.app.secret_key, account_links.CONFIRM, token
    )
    if user is None or user.state != PENDING:
        return None
    with transaction(context):
        user.state = "active"
    return user


def request_reset(context: Context, typed: str, address: str, link: Link) -> Outcome:
    """Mail a reset link to the account a typed e-mail address or name belongs to. The caller
    says the same whether or not there is one, so nobody learns which addresses have accounts."""
    session = context.session
    wait = throttle.retry_after(session, RESET_KEY, address)
    if wait:
        return Outcome(wait)
    throttle.record_failure(session, RESET_KEY, address)
    user = find_account(session, typed)
    if user is None or not user.email or user.state not in ("active", PENDING):
        return Outcome()
    token = account_links.make_token(context.app.secret_key, account_links.RESET, user)
    with transaction(context):
        send_after_commit(context, user.email, *reset_mail(user, link(token)))
    return Outcome()


def user_for_reset(context: Context, token: str) -> User | None:
    return account_links.user_for_token(
        context.session, context.app.secret_key, account_links.RESET, token
    )


def reset_password(context: Context, token: str, password: str) -> User | None:
    """Set a new password through a reset link (None: the link is not valid or was used).
    The link arrived at the account's address, so a pending account is confirmed too."""
    user = user_for_reset(context, token)
    if user is None:
        return None
    args = validate(PasswordSchema(), {"password": password})
    with transaction(context):
        user.password_hash = hash_password(args["password"])
        if user.state == PENDING:
            user.state = "active"
    return user


def confirmation_mail(user: User, url: str) -> tuple[str, str]:
    subject = "请确认您在数据开放平台注册的电子邮箱"
    body = (
        f"{user.fullname or user.name}，您好：\n\n"
        f"您用这个电子邮箱在数据开放平台注册了账号“{user.name}”。"
        f"请在三天内打开下面的链接确认邮箱，账号随即生效：\n\n{url}\n\n"
        "如果不是您本人注册，请忽略这封邮件。\n\n"
        f"To confirm your e-mail address for the account {user.name}, open the link above "
        "within three days. If you did not register, ignore this message.\n"
    )
    return subject, body


def reset_mail(user: User, url: str) -> tuple[str, str]:
    subject = "重置您在数据开放平台的密码"
    body = (
        f"{user.fullname or user.name}，您好：\n\n"
        f"有人请求重置账号“{user.name}”的密码。请在一小时内打开下面的链接设置新密码"
        f"（链接只能使用一次）：\n\n{url}\n\n"
        "如果不是您本人的请求，请忽略这封邮件，密码不会改变。\n\n"
        f"To choose a new password for the account {user.name}, open the link above within "
        "an hour; it works once. If you did not ask for this, ignore this message.\n"
    )
    return subject, body

"""Account pages: self-registration and e-mail confirmation, password reset by e-mail, the
sysadmins' user administration (/admin/users) and public profile pages (/user/<name>). The
rules live in portal.auth.accounts and the actions; these pages show the outcomes."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.actions import call, transaction
from portal.auth import accounts
from portal.catalog.models import Dataset, Member, Organization
from portal.errors import NotAuthorized, NotFound, ValidationError
from portal.request_context import action_context
from portal.web import forms
from portal.web.blueprint import bp, client_key, show
from portal.web.forms import N_

ROLES = ("member", "editor", "admin")
PROFILE_DATASETS = 50
ACCOUNT_MESSAGES = (
    N_("That login name is not available."),
    N_("An account with this e-mail address already exists."),
)


def _external(endpoint: str) -> accounts.Link:
    """Links in mail point at the configured site address (PORTAL_SITE_URL), never at whatever
    Host header the request carried."""
    site = action_context().settings.site_url

    def link(token: str) -> str:
        return site + url_for(endpoint, token=token)

    return link


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    return {key: forms.messages(value) for key, value in exc.errors.items()}


def _throttled(template: str, wait: int, **values: Any) -> Any:
    error = _(
        "Too many requests from your address. Please try again in %(minutes)s minutes.",
        minutes=-(-wait // 60),
    )
    page = render_template(template, error=error, errors={}, **values)
    return page, 429, {"Retry-After": str(wait)}


# --- registration ----------------------------------------------------------------------------


@bp.route("/user/register", methods=["GET", "POST"])
def register() -> Any:
    context = action_context()
    if not accounts.registration_open(context):
        return render_template("register.html", closed=True, values={}, errors={}), 404
    values = {k: (request.form.get(k) or "").strip() for k in ("name", "email", "fullname")}
    if request.method == "GET":
        return render_template("register.html", closed=False, values=values, errors={})
    errors: dict[str, list[str]] = {}
    if request.form.get("password") != request.form.get("password2"):
        errors["password2"] = [_("The two passwords are not the same.")]
    else:
        data = {**values, "password": request.form.get("password") or ""}
        try:
            outcome = accounts.register(context, data, client_key(), _external("web.confirm"))
        except ValidationError as exc:
            errors = _field_errors(exc)
        else:
            if outcome.retry_after:
                return _throttled("register.html", outcome.retry_after, closed=False, values=values)
            return render_template("account_message.html", kind="registered", email=values["email"])
    return render_template("register.html", closed=False, values=values, errors=errors), 409


@bp.get("/user/confirm/<token>")
def confirm(token: str) -> Any:
    user = accounts.confirm(action_context(), token)
    if user is None:
        return render_template("account_message.html", kind="bad_link"), 400
    flash(_("Your e-mail address is confirmed. You can log in now."), "info")
    return redirect(url_for("web.login"))


# --- password reset --------------------------------------------------------------------------


@bp.route("/user/reset", methods=["GET", "POST"])
def reset_request() -> Any:
    context = action_context()
    if not accounts.reset_available(context):
        return render_template("reset_request.html", unavailable=True, errors={}), 404
    if request.method == "GET":
        return render_template("reset_request.html", unavailable=False, errors={})
    typed = (request.form.get("email") or "").strip()
    if not typed:
        errors = {"email": [_("Enter your e-mail address.")]}
        return render_template("reset_request.html", unavailable=False, errors=errors), 409
    outcome = accounts.request_reset(context, typed, client_key(), _external("web.reset_password"))
    if outcome.retry_after:
        return _throttled("reset_request.html", outcome.retry_after, unavailable=False)
    # The same answer whether or not the address has an account.
    return render_template("account_message.html", kind="reset_sent")


@bp.route("/user/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    context = action_context()
    if accounts.user_for_reset(context, token) is None:
        return render_template("account_message.html", kind="bad_link"), 400
    if request.method == "GET":
        return render_template("reset_password.html", errors={})
    password = request.form.get("password") or ""
    if password != request.form.get("password2"):
        errors = {"password2": [_("The two passwords are not the same.")]}
        return render_template("reset_password.html", errors=errors), 409
    try:
        user = accounts.reset_password(context, token, password)
    except ValidationError as exc:
        return render_template("reset_password.html", errors=_field_errors(exc)), 409
    if user is None:
        return render_template("account_message.html", kind="bad_link"), 400
    flash(_("Your password has been changed. You can log in with it now."), "info")
    return redirect(url_for("web.login"))


# --- user administration ---------------------------------------------------------------------


def _require_sysadmin() -> None:
    if not current_user.sysadmin:
        abort(403)


@bp.route("/admin/users", methods=["GET", "POST"])
@login_required
def admin_users() -> Any:
    _require_sysadmin()
    context = action_context()
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {
            k: (request.form.get(k) or "").strip()
            for k in ("name", "email", "fullname", "organization", "role")
        }
        try:
            _create_user(context, values, request.form.get("password") or "")
        except ValidationError as exc:
            errors, status = _field_errors(exc), 409
        else:
            flash(_("The user %(name)s has been created.", name=values["name"]), "info")
            return redirect(url_for("web.admin_users"))
    return render_template(
        "admin_users.html",
        users=_users_with_departments(context),
        organizations=call("organization_list", context, {"all_fields": True}),
        roles=ROLES,
        values=values,
        errors=errors,
    ), status


def _create_user(context: Any, values: dict[str, str], password: str) -> None:
    """user_create, then organization_member_create when a department was chosen: one
    transaction, so a refused membership leaves no half-made user."""
    data = {k: values[k] for k in ("name", "email", "fullname") if values[k]}
    with transaction(context):
        call("user_create", context, {**data, "password": password})
        if values.get("organization"):
            role = values.get("role") if values.get("role") in ROLES else "member"
            call(
                "organization_member_create",
                context,
                {"id": values["organization"], "username": values["name"], "role": role},
            )


@bp.post("/admin/users/member")
@login_required
def admin_user_member() -> Any:
    """Give an existing user a role in a department (the member action)."""
    _require_sysadmin()
    context = action_context()
    data = {
        "id": request.form.get("organization") or "",
        "username": request.form.get("username") or "",
        "role": request.form.get("role") if request.form.get("role") in ROLES else "member",
    }
    try:
        call("organization_member_create", context, data)
    except ValidationError as exc:
        for messages in _field_errors(exc).values():
            for message in messages:
                flash(message, "error")
    else:
        flash(_("%(name)s now belongs to the department.", name=data["username"]), "info")
    return redirect(url_for("web.admin_users"))


def _users_with_departments(context: Any) -> list[dict[str, Any]]:
    users = call("user_list", context, {"all_fields": True})
    departments = _departments_by_user(context, [u["id"] for u in users])
    return [{**u, "departments": departments.get(u["id"], [])} for u in users]


def _departments_by_user(context: Any, user_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """Each user's departments and roles: memberships are public in CKAN too."""
    rows = context.session.execute(
        select(Member.user_id, Member.role, Organization.name, Organization.title)
        .join(Organization, Organization.id == Member.organization_id)
        .where(Member.user_id.in_(user_ids), Organization.state == "active")
        .order_by(Organization.name)
    )
    found: dict[str, list[dict[str, str]]] = {}
    for user_id, role, name, title in rows:
        found.setdefault(user_id, []).append({"name": name, "title": title, "role": role})
    return found


# --- public profiles -------------------------------------------------------------------------


@bp.get("/user/<name>")
def user_profile(name: str) -> Any:
    if name in accounts.PAGE_NAMES:
        abort(404)
    context = action_context()
    user = show("user_show", {"id": name})
    if user["state"] != "active":
        abort(404)
    public = {k: user[k] for k in ("id", "name", "display_name", "fullname", "about", "created")}
    datasets = _public_datasets_created_by(context, user["id"])
    return render_template(
        "user_profile.html",
        profile=public,
        departments=_departments_by_user(context, [user["id"]]).get(user["id"], []),
        datasets={"results": datasets},
    )


def _public_datasets_created_by(context: Any, user_id: str) -> list[dict[str, Any]]:
    """The newest public datasets the user created. The search index has no creator field for
    public datasets, so the names come from the catalog and each is read through package_show,
    which applies the visibility rules for the (maybe anonymous) visitor."""
    names = context.session.scalars(
        select(Dataset.name)
        .where(
            Dataset.creator_user_id == user_id,
            Dataset.state == "active",
            Dataset.private.is_(False),
        )
        .order_by(Dataset.metadata_modified.desc())
        .limit(PROFILE_DATASETS)
    )
    found = []
    for name in list(names):
        try:
            found.append(call("package_show", context, {"id": name}))
        except (NotFound, NotAuthorized):
            continue
    return found

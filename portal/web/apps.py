"""My applications: register an application, see its keys and their API calls, create a key
(shown once) and revoke it. Every change goes through the app_* and app_key_* actions, which
check who may do it; the pages are thin callers."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal.actions import call
from portal.errors import ActionError, NotAuthorized, NotFound, ValidationError
from portal.request_context import action_context
from portal.web import forms
from portal.web.blueprint import bp, flash_error
from portal.web.forms import N_

# Messages the app actions return; the catalog translates them.
MESSAGES = (
    N_("Not a web address."),
    N_('Not a rate limit: write it like "1200/minute".'),
)
FIELDS = ("name", "description", "url")
NO_STORE = {"Cache-Control": "no-store"}  # a page with a new key must not be cached


def _call(name: str, data: dict[str, Any]) -> Any:
    """An action for a page: another user's application reads as not found."""
    try:
        return call(name, action_context(), data)
    except (NotFound, NotAuthorized):
        abort(404)


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    return {key: forms.messages(value) for key, value in exc.errors.items()}


@bp.route("/user/apps", methods=["GET", "POST"])
@login_required
def apps() -> Any:
    values = {key: request.form.get(key, "") for key in FIELDS}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        data = {key: values[key] or None for key in FIELDS}
        try:
            created = call("app_create", action_context(), data)
        except ValidationError as exc:
            errors, status = _field_errors(exc), 409
        else:
            flash(_("Your application was registered. Create a key for it below."), "success")
            return redirect(url_for("web.app_page", app_id=created["id"]))
    listed = call("app_list", action_context(), {})
    return render_template("apps.html", apps=listed, values=values, errors=errors), status


def _render_app(app_id: str, created: dict[str, Any] | None = None, status: int = 200) -> Any:
    found = _call("app_show", {"id": app_id})
    keys = _call("app_key_list", {"app_id": app_id})
    usage = _call("stats_api_usage", {"app_id": app_id})
    calls = {k["token_id"]: k["calls"] for k in usage["keys"]}
    html = render_template(
        "app.html", app_=found, keys=keys, calls=calls, usage=usage, created=created
    )
    return html, status, NO_STORE


@bp.get("/user/apps/<app_id>")
@login_required
def app_page(app_id: str) -> Any:
    return _render_app(app_id)


@bp.post("/user/apps/<app_id>/keys")
@login_required
def app_key_new(app_id: str) -> Any:
    days = (request.form.get("expires_in_days") or "").strip()
    data = {
        "app_id": app_id,
        "name": request.form.get("name") or None,
        "read_only": forms.checked(request.form, "read_only"),
        "expires_in_days": days or None,
    }
    try:
        created = _call("app_key_create", data)
    except ValidationError as exc:
        flash_error(exc, field_names=False)
        return _render_app(app_id, status=409)
    return _render_app(app_id, created=created)


@bp.post("/user/apps/<app_id>/keys/<key_id>/revoke")
@login_required
def app_key_revoke(app_id: str, key_id: str) -> Any:
    _call("app_key_revoke", {"id": key_id})
    flash(_("The key was revoked."), "success")
    return redirect(url_for("web.app_page", app_id=app_id))


@bp.post("/user/apps/<app_id>/delete")
@login_required
def app_delete(app_id: str) -> Any:
    try:
        _call("app_delete", {"id": app_id})
    except ActionError as exc:
        flash_error(exc, field_names=False)
        return redirect(url_for("web.app_page", app_id=app_id))
    flash(_("The application and its keys were deleted."), "success")
    return redirect(url_for("web.apps"))

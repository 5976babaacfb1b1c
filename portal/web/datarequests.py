"""Data request pages: the public list, one request with its answer, asking for data, the
support, answer, report, moderation and delete buttons, and the sysadmins' moderation queue.
Every change goes through the datarequest_* actions, which check who may do it; the pages only
hide buttons the caller could not use."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.actions import call
from portal.errors import ActionError, NotAuthorized, NotFound, ValidationError
from portal.request_context import action_context
from portal.requests.models import ANSWERS, STATES
from portal.web import forms, lookups
from portal.web.blueprint import (
    PAGE_SIZE,
    bp,
    flash_error,
    my_organizations,
    page_number,
    pagination,
    show,
)
from portal.web.forms import N_

STATE_LABELS = {
    "open": _l("Waiting for an answer"),
    "planned": _l("Planned"),
    "published": _l("Published"),
    "refused": _l("Refused"),
}
SORT_LABELS = {"newest": _l("Newest first"), "most_supported": _l("Most supported first")}
# Messages the datarequest actions return; the catalog translates them.
MESSAGES = (
    N_("Give the reason for refusing."),
    N_("No public dataset with this id or name."),
    N_("You have reached the daily limit of new data requests: try again tomorrow."),
)
FORM_KEYS = ("title", "description", "organization")


def _call(name: str, data: dict[str, Any]) -> Any:
    try:
        return call(name, action_context(), data)
    except NotFound:
        abort(404)


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Field-keyed, translated messages; ones about no field of the form (the daily limit)
    are flashed."""
    errors = {key: forms.messages(value) for key, value in exc.errors.items()}
    errors["organization"] = errors.pop("organization_id", [])
    for key in set(errors) - set(FORM_KEYS):
        for message in errors.pop(key):
            flash(message, "error")
    return errors


@bp.get("/datarequest")
def datarequests() -> str:
    state = request.args.get("state", "")
    state = state if state in STATES else ""
    sort = request.args.get("sort", "")
    sort = sort if sort in SORT_LABELS else "newest"
    page = page_number()
    found = show(
        "datarequest_list",
        {
            "state": state or None,
            "sort": sort,
            # A requester sees their own hidden requests, a sysadmin all (marked as hidden).
            "include_hidden": current_user.is_authenticated,
            "limit": PAGE_SIZE,
            "offset": (page - 1) * PAGE_SIZE,
        },
    )
    return render_template(
        "datarequests.html",
        requests=found["results"],
        pages=pagination(found["count"], page),
        state=state,
        sort=sort,
        states=STATE_LABELS,
        sorts=SORT_LABELS,
        response=show("datarequest_stats", {}),
    )


@bp.route("/datarequest/new", methods=["GET", "POST"])
@login_required
def datarequest_new() -> Any:
    values = {key: request.form.get(key, "") for key in FORM_KEYS}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {
            "title": values["title"],
            "description": values["description"],
            "organization_id": values["organization"] or None,
        }
        try:
            created = call("datarequest_create", action_context(), data)
        except ValidationError as exc:
            errors = _field_errors(exc)
        else:
            flash(_("Your data request was published."), "success")
            return redirect(url_for("web.datarequest_page", request_id=created["id"]))
    return render_template(
        "datarequest_form.html",
        values=values,
        errors=errors,
        organizations=list(lookups.organizations().values()),
    )


@bp.get("/datarequest/<request_id>")
def datarequest_page(request_id: str) -> str:
    found = show("datarequest_show", {"id": request_id})
    return render_template(
        "datarequest.html",
        request_=found,
        states=STATE_LABELS,
        answers=[(state, STATE_LABELS[state]) for state in ANSWERS],
        can_answer=_can_answer(found),
        can_delete=_can_delete(found),
    )


def _can_answer(found: dict[str, Any]) -> bool:
    if not current_user.is_authenticated:
        return False
    if current_user.sysadmin:
        return True
    editable = {o["id"] for o in my_organizations("update_dataset")}
    return found["organization_id"] in editable


def _can_delete(found: dict[str, Any]) -> bool:
    if not current_user.is_authenticated:
        return False
    own = found["user_id"] == current_user.id and found["state"] == "open"
    return bool(current_user.sysadmin or own)


@bp.post("/datarequest/<request_id>/support")
@login_required
def datarequest_support(request_id: str) -> Any:
    action = "datarequest_unsupport" if forms.checked(request.form, "withdraw") else None
    _call(action or "datarequest_support", {"id": request_id})
    return redirect(url_for("web.datarequest_page", request_id=request_id))


@bp.post("/datarequest/<request_id>/answer")
@login_required
def datarequest_answer(request_id: str) -> Any:
    data = {
        "id": request_id,
        "state": request.form.get("state", ""),
        "answer": request.form.get("answer") or None,
        "dataset_id": (request.form.get("dataset") or "").strip() or None,
    }
    try:
        call("datarequest_answer", action_context(), data)
    except NotFound:
        abort(404)
    except (NotAuthorized, ValidationError) as exc:
        flash_error(exc, field_names=False)
    else:
        flash(_("Your answer was saved."), "success")
    return redirect(url_for("web.datarequest_page", request_id=request_id))


@bp.post("/datarequest/<request_id>/delete")
@login_required
def datarequest_delete(request_id: str) -> Any:
    try:
        call("datarequest_delete", action_context(), {"id": request_id})
    except NotFound:
        abort(404)
    except ActionError as exc:
        flash_error(exc, field_names=False)
        return redirect(url_for("web.datarequest_page", request_id=request_id))
    flash(_("The data request was deleted."), "success")
    return redirect(url_for("web.datarequests"))


def _button(request_id: str, action: str, data: dict[str, Any], done: str) -> Response:
    """A button's POST: the action, its refusal flashed, back to the request's page."""
    try:
        call(action, action_context(), {"id": request_id, **data})
    except NotFound:
        abort(404)
    except (NotAuthorized, ValidationError) as exc:
        flash_error(exc, field_names=False)
    else:
        flash(done, "success")
    if request.form.get("next") == "queue":
        return redirect(url_for("web.datarequest_moderation"))
    return redirect(url_for("web.datarequest_page", request_id=request_id))


@bp.post("/datarequest/<request_id>/report")
@login_required
def datarequest_report(request_id: str) -> Response:
    data = {"reason": request.form.get("reason", "")}
    done = _("Thank you: the moderators will look.")
    return _button(request_id, "datarequest_report", data, done)


@bp.post("/datarequest/<request_id>/moderate")
@login_required
def datarequest_moderate(request_id: str) -> Response:
    decision = request.form.get("decision", "")
    done = (
        _("The data request is hidden.")
        if decision == "hide"
        else _("The data request is visible again.")
    )
    return _button(request_id, "datarequest_moderate", {"decision": decision}, done)


@bp.get("/datarequest/moderation")
@login_required
def datarequest_moderation() -> str:
    page = page_number()
    try:
        found = call(
            "datarequest_report_list",
            action_context(),
            {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
        )
    except NotAuthorized:
        abort(403)
    return render_template(
        "datarequest_moderation.html",
        requests=found["results"],
        pages=pagination(found["count"], page),
        states=STATE_LABELS,
    )

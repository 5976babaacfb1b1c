"""Conditional opening pages: the "Apply for access" box and form of a conditionally open
dataset, the applicant's applications, the department's review queue with approve and reject
forms, and the grants with revoke. Every change goes through the access_* actions, which
check who may do it; the pages only hide the buttons the caller could not use."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.access.guard import is_conditional
from portal.actions import call
from portal.errors import ActionError, NotFound, ValidationError
from portal.request_context import action_context
from portal.web import forms
from portal.web.blueprint import (
    PAGE_SIZE,
    bp,
    dataset_or_404,
    flash_error,
    my_organizations,
    page_number,
    pagination,
)
from portal.web.forms import N_

STATE_LABELS = {
    "pending": _l("Under review"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}
GRANT_LABELS = {"active": _l("In force"), "expired": _l("Expired"), "revoked": _l("Revoked")}
FIELDS = ("purpose", "scenario", "organization", "days")
# Messages the access actions return; the catalog translates them.
MESSAGES = (
    N_("Accept the data security commitment to apply."),
    N_("This dataset is not conditionally open: no application is needed."),
    N_("You already have access to this dataset's data."),
    N_("You already have an application for this dataset under review."),
    N_("Only an application under review can be decided."),
    N_("The period can be shortened, not lengthened."),
    N_("This grant is already revoked."),
    N_("Only the admins and editors of the dataset's department, or a sysadmin, may decide on "
       "this application."),
    N_("Only the admins and editors of the dataset's department, or a sysadmin, may revoke "
       "this grant."),
)


@bp.app_template_global()
def access_box(dataset: dict[str, Any]) -> dict[str, Any] | None:
    """What the dataset and resource pages show of conditional opening: None for a dataset
    that is not conditionally open; else whether the caller may use the data, and their
    latest application for it."""
    if not is_conditional(dataset):
        return None
    resources = dataset.get("resources") or []
    if resources:  # package_show's verdict (portal.access.guard)
        granted = bool(resources[0].get("access", {}).get("granted"))
    else:  # nothing to guard yet: only whether the caller could apply matters
        granted = current_user.is_authenticated and (
            current_user.sysadmin
            or dataset.get("owner_org") in {o["id"] for o in my_organizations("read")}
        )
    latest = None
    if current_user.is_authenticated:
        found = call("access_request_list", action_context(),
                     {"dataset_id": dataset["id"], "role": "applicant", "limit": 1})  # fmt: skip
        latest = found["results"][0] if found["results"] else None
    return {"granted": granted, "latest": latest, "states": STATE_LABELS}


@bp.route("/dataset/<name>/access", methods=["GET", "POST"])
@login_required
def access_apply(name: str) -> Any:
    dataset = dataset_or_404(name)
    if not is_conditional(dataset):
        abort(404)
    values = {key: request.form.get(key, "") for key in FIELDS}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {**values, "dataset_id": dataset["id"], "days": values["days"] or None,
                "commitment": forms.checked(request.form, "commitment")}  # fmt: skip
        try:
            call("access_request_create", action_context(), data)
        except ValidationError as exc:
            errors = {key: forms.messages(value) for key, value in exc.errors.items()}
        else:
            flash(_("Your application was sent to the department for review."), "success")
            return redirect(url_for("web.access_mine"))
    return render_template("access_apply.html", dataset=dataset, values=values, errors=errors)


def _state_arg(allowed: dict[str, Any]) -> str:
    state = request.args.get("state", "")
    return state if state in allowed else ""


def _listed(action: str, role: str | None, state: str | None) -> tuple[list, dict[str, int]]:
    page = page_number()
    data = {"role": role, "state": state or None, "limit": PAGE_SIZE,
            "offset": (page - 1) * PAGE_SIZE}  # fmt: skip
    found = call(action, action_context(), {k: v for k, v in data.items() if v is not None})
    return found["results"], pagination(found["count"], page)


@bp.get("/access/mine")
@login_required
def access_mine() -> str:
    state = _state_arg(STATE_LABELS)
    found, pages = _listed("access_request_list", "applicant", state)
    return render_template("access_mine.html", requests=found, pages=pages, state=state,
                           states=STATE_LABELS)  # fmt: skip


def _reviews(organization_id: str | None) -> bool:
    if current_user.sysadmin:
        return True
    return organization_id in {o["id"] for o in my_organizations("update_dataset")}


@bp.get("/access/review")
@login_required
def access_review() -> str:
    states = {**STATE_LABELS, "overdue": _l("Overdue")}
    state = _state_arg(states) if "state" in request.args else "pending"
    found, pages = _listed("access_request_list", "reviewer", state)
    return render_template("access_review.html", requests=found, pages=pages, state=state,
                           states=states)  # fmt: skip


def _decide(action: str, data: dict[str, Any], done: str) -> Any:
    try:
        call(action, action_context(), data)
    except NotFound:
        abort(404)
    except ActionError as exc:
        flash_error(exc, field_names=False)
    else:
        flash(done, "success")
    return redirect(request.form.get("next") or url_for("web.access_review"))


@bp.post("/access/<request_id>/approve")
@login_required
def access_approve(request_id: str) -> Any:
    days = (request.form.get("days") or "").strip() or None
    data = {"id": request_id, "days": days, "reason": request.form.get("reason") or None}
    return _decide("access_request_approve", data, _("The application was approved."))


@bp.post("/access/<request_id>/reject")
@login_required
def access_reject(request_id: str) -> Any:
    data = {"id": request_id, "reason": request.form.get("reason", "")}
    return _decide("access_request_reject", data, _("The application was rejected."))


@bp.get("/access/grants")
@login_required
def access_grants() -> str:
    state = _state_arg(GRANT_LABELS)
    found, pages = _listed("access_grant_list", None, state)
    for grant in found:
        grant["can_revoke"] = grant["state"] == "active" and _reviews(grant["organization_id"])
    return render_template("access_grants.html", grants=found, pages=pages, state=state,
                           states=GRANT_LABELS)  # fmt: skip


@bp.post("/access/grant/<grant_id>/revoke")
@login_required
def access_revoke(grant_id: str) -> Any:
    data = {"id": grant_id, "reason": request.form.get("reason") or None}
    try:
        call("access_grant_revoke", action_context(), data)
    except NotFound:
        abort(404)
    except ActionError as exc:
        flash_error(exc, field_names=False)
    else:
        flash(_("The grant was revoked: the data is refused to its holder from now on."),
              "success")  # fmt: skip
    return redirect(url_for("web.access_grants"))

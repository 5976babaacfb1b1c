"""Reuse pages: the public list (featured first), one reuse with the datasets it uses,
submitting and editing, the feature, report, moderation and delete buttons, the image, the
sysadmins' moderation queue, and the partial listing a dataset's reuses on its page. Every
change goes through the reuse_* actions, which check who may do it; the pages only hide
buttons the caller could not use."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from portal.actions import call
from portal.errors import ActionError, NotAuthorized, NotFound, ValidationError
from portal.request_context import action_context
from portal.reuses.models import Reuse
from portal.web import forms
from portal.web.blueprint import PAGE_SIZE, bp, flash_error, page_number, pagination, show
from portal.web.forms import N_

TYPES = {
    "application": _l("Application"),
    "visualisation": _l("Visualisation"),
    "article": _l("Article"),
    "api": _l("API"),
    "other": _l("Other"),
}
FORM_KEYS = ("title", "description", "type", "url", "datasets")
# Messages the reuse actions return; the catalog translates them.
MESSAGES = (
    N_("Only http and https URLs are allowed."),
    N_("Name at least one dataset."),
    N_("Give dataset names or ids."),
    N_("Dataset not found: %(names)s"),
    N_("Only PNG, JPEG and WebP images can be uploaded."),
    N_("The image is larger than 5 MB."),
    N_("You have reached the daily limit of new reuses: try again tomorrow."),
    N_("Only a sysadmin, or an admin of a department whose data it uses, may feature a reuse."),
)


def _call(name: str, data: dict[str, Any]) -> Any:
    try:
        return call(name, action_context(), data)
    except NotFound:
        abort(404)


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    """Field-keyed, translated messages; ones about no field of the form (the daily limit)
    are flashed."""
    errors = {key: forms.messages(value) for key, value in exc.errors.items()}
    errors["datasets"] = [_missing(m) for m in errors.get("datasets", [])]
    errors["image"] = errors.pop("image_upload", [])
    for key in set(errors) - {*FORM_KEYS, "image"}:
        for message in errors.pop(key):
            flash(message, "error")
    return errors


def _missing(message: str) -> str:
    """The action names the datasets it did not find: the sentence translated around them."""
    prefix = "Dataset not found: "
    if message.startswith(prefix):
        return _("Dataset not found: %(names)s", names=message.removeprefix(prefix))
    return message


def _form_data() -> dict[str, Any]:
    data: dict[str, Any] = {key: request.form.get(key, "") for key in FORM_KEYS}
    image = request.files.get("image")
    if image is not None and image.filename:
        data["image_upload"] = image
    return data


@bp.get("/reuse")
def reuses() -> str:
    kind = request.args.get("type", "")
    kind = kind if kind in TYPES else ""
    featured = forms.checked(request.args, "featured")
    page = page_number()
    found = show(
        "reuse_list",
        {
            "type": kind or None,
            "featured": True if featured else None,
            "limit": PAGE_SIZE,
            "offset": (page - 1) * PAGE_SIZE,
        },
    )
    return render_template(
        "reuses.html",
        reuses=found["results"],
        pages=pagination(found["count"], page),
        kind=kind,
        featured=featured,
        types=TYPES,
    )


@bp.route("/reuse/new", methods=["GET", "POST"])
@login_required
def reuse_new() -> Any:
    values = {key: request.form.get(key, "") for key in FORM_KEYS}
    values["datasets"] = values["datasets"] or request.args.get("dataset", "")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            created = call("reuse_create", action_context(), _form_data())
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            flash(_("Your reuse was published."), "success")
            return redirect(url_for("web.reuse_page", reuse_id=created["id"]))
    return render_template("reuse_form.html", values=values, errors=errors, types=TYPES)


@bp.get("/reuse/<reuse_id>")
def reuse_page(reuse_id: str) -> str:
    found = show("reuse_show", {"id": reuse_id})
    return render_template("reuse.html", reuse=found, types=TYPES)


@bp.route("/reuse/<reuse_id>/edit", methods=["GET", "POST"])
@login_required
def reuse_edit(reuse_id: str) -> Any:
    found = show("reuse_show", {"id": reuse_id})
    if not found["can_edit"]:
        abort(403)
    values = {key: found[key] for key in FORM_KEYS if key != "datasets"}
    values["datasets"] = " ".join(d["name"] for d in found["datasets"])
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in FORM_KEYS}
        data = {"id": reuse_id, **_form_data(), "clear_image": forms.checked(request.form, "clear")}
        try:
            call("reuse_update", action_context(), data)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("web.reuse_page", reuse_id=reuse_id))
    return render_template(
        "reuse_form.html", values=values, errors=errors, types=TYPES, reuse=found
    )


def _button(reuse_id: str, action: str, data: dict[str, Any], done: str) -> Response:
    """A button's POST: the action, its refusal flashed, back to the reuse's page."""
    try:
        call(action, action_context(), {"id": reuse_id, **data})
    except NotFound:
        abort(404)
    except (NotAuthorized, ValidationError) as exc:
        flash_error(exc, field_names=False)
    else:
        flash(done, "success")
    return redirect(url_for("web.reuse_page", reuse_id=reuse_id))


@bp.post("/reuse/<reuse_id>/feature")
@login_required
def reuse_feature(reuse_id: str) -> Response:
    if forms.checked(request.form, "unfeature"):
        return _button(reuse_id, "reuse_unfeature", {}, _("The reuse is no longer featured."))
    return _button(reuse_id, "reuse_feature", {}, _("The reuse is featured."))


@bp.post("/reuse/<reuse_id>/report")
@login_required
def reuse_report(reuse_id: str) -> Response:
    data = {"reason": request.form.get("reason", "")}
    return _button(reuse_id, "reuse_report", data, _("Thank you: the moderators will look."))


@bp.post("/reuse/<reuse_id>/moderate")
@login_required
def reuse_moderate(reuse_id: str) -> Response:
    decision = request.form.get("decision", "")
    done = _("The reuse is hidden.") if decision == "hide" else _("The reuse is visible again.")
    return _button(reuse_id, "reuse_moderate", {"decision": decision}, done)


@bp.post("/reuse/<reuse_id>/delete")
@login_required
def reuse_delete(reuse_id: str) -> Response:
    try:
        call("reuse_delete", action_context(), {"id": reuse_id})
    except NotFound:
        abort(404)
    except ActionError as exc:
        flash_error(exc, field_names=False)
        return redirect(url_for("web.reuse_page", reuse_id=reuse_id))
    flash(_("The reuse was deleted."), "success")
    return redirect(url_for("web.reuses"))


@bp.get("/reuse/<reuse_id>/image")
def reuse_image(reuse_id: str) -> Response:
    """The reuse's image, for whoever may see the reuse (reuse_show decides)."""
    shown = show("reuse_show", {"id": reuse_id})
    context = action_context()
    reuse = context.session.get(Reuse, reuse_id)
    if reuse is None or not reuse.image_key:
        abort(404)
    redirect_url = context.storage.download_redirect(reuse.image_key, reuse.image_key)
    if redirect_url:
        return redirect(redirect_url)
    try:
        chunks = context.storage.open(reuse.image_key)
    except FileNotFoundError:
        abort(404)
    response = Response(chunks, mimetype=reuse.image_type or "application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A hidden reuse's image is for its owner and sysadmins: no shared cache may keep it.
    public = shown["state"] == "published"
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response


@bp.get("/reuse/moderation")
@login_required
def reuse_moderation() -> str:
    page = page_number()
    try:
        found = call(
            "reuse_report_list",
            action_context(),
            {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
        )
    except NotAuthorized:
        abort(403)
    return render_template(
        "reuse_moderation.html",
        reuses=found["results"],
        pages=pagination(found["count"], page),
        types=TYPES,
    )


@bp.app_template_global()
def dataset_reuses(dataset_id: str, limit: int = 6) -> dict[str, Any]:
    """The published reuses of a dataset, for the partial on its page (a read: no writes)."""
    try:
        return call("reuse_list", action_context(), {"dataset_id": dataset_id, "limit": limit})
    except (ValidationError, NotFound):
        return {"count": 0, "results": []}


@bp.app_template_global()
def reuse_type_label(kind: str) -> str:
    return str(TYPES.get(kind, kind))

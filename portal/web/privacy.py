"""Privacy pages: the privacy notice (/privacy), a user's own data (download it as JSON,
delete the account with the password), and the department's side of a withheld file (mask
columns, or override with a reason). Every change goes through the actions (privacy_mask,
privacy_finding_override, user_delete, user_data_export), which check who may do it."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from portal.actions import call
from portal.errors import ValidationError
from portal.privacy.masking import METHODS
from portal.request_context import action_context
from portal.web import forms
from portal.web.blueprint import bp, flash_error

DETECTOR_LABELS = {
    "resident_id": _l("Resident ID number"),
    "mobile": _l("Mobile phone number"),
    "bank_card": _l("Bank card number"),
    "email": _l("E-mail address"),
    "passport": _l("Passport number"),
    "travel_permit": _l("Travel permit number"),
    "licence_plate": _l("Licence plate"),
    "address": _l("Home address"),
}
METHOD_LABELS = {
    "keep": _l("Mask: keep the first 6 and last 4 characters"),
    "hash": _l("Replace with a keyed hash (still joins)"),
    "drop": _l("Remove the column"),
}


@bp.app_template_global("privacy_label")
def privacy_label(detector: str) -> str:
    return str(DETECTOR_LABELS.get(detector, detector))


@bp.app_template_global("mask_methods")
def mask_methods() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in METHOD_LABELS.items()]


@bp.get("/privacy")
def privacy_notice() -> str:
    return render_template("privacy.html")


@bp.get("/user/account-data")
@login_required
def account_data() -> str:
    return render_template("account_data.html", errors={})


@bp.get("/user/account-data/export.json")
@login_required
def account_data_export() -> Response:
    exported = call("user_data_export", action_context(), {})
    body = json.dumps(exported, ensure_ascii=False, indent=2)
    headers = {
        "Content-Disposition": f'attachment; filename="{current_user.name}-account-data.json"',
        "Cache-Control": "no-store",
    }
    return Response(body, headers=headers, content_type="application/json; charset=utf-8")


@bp.post("/user/delete")
@login_required
def account_delete() -> Any:
    data = {"id": current_user.id, "password": request.form.get("password") or ""}
    try:
        call("user_delete", action_context(), data)
    except ValidationError as exc:
        errors = {k: forms.messages(v) for k, v in exc.errors.items()}
        return render_template("account_data.html", errors=errors), 409
    logout_user()
    flash(_("Your account was deleted, and your personal data with it."), "info")
    return redirect(url_for("web.home"))


def _resource_target(name: str, resource_id: str) -> str:
    return url_for("web.resource_page", name=name, resource_id=resource_id) + "#privacy-title"


@bp.post("/dataset/<name>/resource/<resource_id>/privacy/mask")
@login_required
def privacy_mask_form(name: str, resource_id: str) -> Any:
    columns = {
        key.removeprefix("method-"): value
        for key, value in request.form.items()
        if key.startswith("method-") and value in METHODS
    }
    try:
        call("privacy_mask", action_context(), {"id": resource_id, "columns": columns})
        flash(_("The columns were masked. The new file is screened again before it is "
                "published."), "success")  # fmt: skip
    except ValidationError as exc:  # a refusal is the 403 page
        flash_error(exc)
    return redirect(_resource_target(name, resource_id))


@bp.post("/dataset/<name>/resource/<resource_id>/privacy/override")
@login_required
def privacy_override_form(name: str, resource_id: str) -> Any:
    data = {"id": resource_id, "reason": request.form.get("reason") or ""}
    try:
        call("privacy_finding_override", action_context(), data)
        flash(_("The file is published with your reason recorded."), "success")
    except ValidationError as exc:  # a refusal is the 403 page
        flash_error(exc)
    return redirect(_resource_target(name, resource_id))

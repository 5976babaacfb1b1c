"""Department pages for harvesting: the list of harvest sources, the source form, a source's
page with its recent jobs, and a job's report. Thin callers of the harvest actions
(harvesters/actions.py): every write and every permission rule is theirs; the action's
field-keyed validation errors come back next to the fields they belong to."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from harvesters.actions import SECRET_CONFIG
from harvesters.models import COUNTS, FREQUENCIES, SOURCE_TYPES, STAGES, UNFINISHED
from portal.actions import call
from portal.errors import ActionError, NotAuthorized, NotFound, ValidationError
from portal.request_context import action_context
from portal.web import forms
from portal.web.blueprint import (
    PAGE_SIZE,
    bp,
    flash_error,
    my_organizations,
    page_number,
    pagination,
)
from portal.web.forms import N_

STATUS_LABELS = {
    "new": _l("Queued"),
    "running": _l("Running"),
    "finished": _l("Finished"),
    "failed": _l("Failed"),
    "aborted": _l("Aborted"),
}
STAGE_LABELS = {
    "gather": _l("Gather (list the remote catalog)"),
    "fetch": _l("Fetch (read each record)"),
    "import": _l("Import (create or update datasets)"),
    "withdraw": _l("Withdraw (datasets gone from the source)"),
}
FREQUENCY_LABELS = {
    "MANUAL": _l("Manual only"),
    "HOURLY": _l("Hourly"),
    "DAILY": _l("Daily"),
    "WEEKLY": _l("Weekly"),
    "MONTHLY": _l("Monthly"),
}
COUNT_LABELS = {
    "added": _l("Added"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "deleted": _l("Deleted"),
    "errored": _l("Errors"),
}
TYPE_LABELS = {
    "ckan": _l("CKAN Action API"),
    "dcat": _l("DCAT catalog (RDF, Turtle, JSON-LD)"),
    "datajson": _l("data.json (Project Open Data)"),
    "spreadsheet": _l("Spreadsheet (CSV or Excel)"),
}
# Existing badge styles (site.css) for job statuses.
STATUS_CLASSES = {
    "new": "state-draft",
    "running": "state-draft",
    "finished": "state-public",
    "failed": "state-private",
    "aborted": "state-deleted",
}
LABELS = {
    "status": STATUS_LABELS,
    "status_class": STATUS_CLASSES,
    "stage": STAGE_LABELS,
    "frequency": FREQUENCY_LABELS,
    "count": COUNT_LABELS,
    "type": TYPE_LABELS,
}

# Fixed messages the harvest actions return; the catalog translates them (forms.messages).
HARVEST_MESSAGES = (
    N_("That name is already in use."),
    N_("Must be a JSON object."),
    N_("The harvest source is disabled."),
    N_("There already is an unfinished job for this harvest source."),
    N_("Harvest source not found"),
    N_("Aborted before it finished."),
    N_("Aborted on request; nothing was withdrawn."),
    N_("Aborted on request during the withdrawal."),
)

# The form's fields, in the order of the page (error summary links point at them).
FORM_FIELDS = ("title", "name", "url", "source_type", "owner_org", "frequency", "enabled")
FORM_FIELDS += ("notes", "config")
MAX_JOBS_SHOWN = 20
SECRET_MASK = "••••••"


# --- reading through the actions ---------------------------------------------------------------


def _call(name: str, data: dict[str, Any]) -> Any:
    """An action call for a page: not found is 404, not allowed is 403."""
    try:
        return call(name, action_context(), data)
    except NotFound:
        abort(404)
    except NotAuthorized:
        abort(403)


def _source(name: str) -> dict[str, Any]:
    return _call("harvest_source_show", {"id": name})


def _ids(permission: str) -> set[str]:
    return {o["id"] for o in my_organizations(permission)}


def _manageable(source: dict[str, Any]) -> dict[str, Any]:
    """A source the current user may edit (editors of its department and sysadmins), else 403.
    The writes check again; this only spares showing a form that cannot be saved."""
    if source["owner_org"] not in _ids("update_dataset"):
        abort(403)
    return source


def _department(org_id: str) -> dict[str, Any] | None:
    for org in my_organizations("read"):
        if org["id"] == org_id:
            return org
    try:
        return call("organization_show", action_context(), {"id": org_id, "include_users": False})
    except (NotFound, NotAuthorized):
        return None


def _all_sources(owner_org: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    limit = 1000
    while True:
        data: dict[str, Any] = {"limit": limit, "offset": len(found)}
        if owner_org:
            data["owner_org"] = owner_org
        page = call("harvest_source_list", action_context(), data)
        found += page
        if len(page) < limit:
            return found


def _message(message: str | None) -> str:
    """A message stored by the harvester, translated when it is one of the fixed ones."""
    return forms.translate_error(message) if message else ""


def _seconds(job: dict[str, Any]) -> float | None:
    try:
        started = datetime.fromisoformat(job["started"])
        ended = datetime.fromisoformat(job["finished"])
    except (TypeError, ValueError):
        return None
    return max((ended - started).total_seconds(), 0.0)


def _shown_config(config: dict[str, Any]) -> str:
    """The source's config for its page: secrets (kept only for managers by the action) are
    masked here too, so they never sit in a page that is merely being looked at."""
    if not config:
        return ""
    shown = {k: (SECRET_MASK if k in SECRET_CONFIG and v else v) for k, v in config.items()}
    return json.dumps(shown, ensure_ascii=False, indent=2, sort_keys=True)


# --- the list of sources ---------------------------------------------------------------------


@bp.get("/harvest")
@login_required
def harvest_sources() -> str:
    orgs = my_organizations("read")
    chosen = request.args.get("org", "")
    if chosen and chosen not in {o["name"] for o in orgs}:
        chosen = ""
    if current_user.sysadmin and not chosen:
        sources = _all_sources()
    else:
        sources = []
        for org in orgs:
            if not chosen or org["name"] == chosen:
                sources += _all_sources(org["id"])
    sources.sort(key=lambda s: (s.get("title") or s["name"]).lower())
    departments = {o["id"]: o for o in orgs}
    for source in sources:
        source["organization"] = departments.get(source["owner_org"]) or _department(
            source["owner_org"]
        )
    return render_template(
        "harvest_sources.html",
        sources=sources,
        orgs=orgs,
        chosen=chosen,
        can_add=bool(my_organizations("create_dataset")),
        editable=_ids("update_dataset"),
        labels=LABELS,
    )


# --- the source form -------------------------------------------------------------------------


def _values_from_source(source: dict[str, Any]) -> dict[str, Any]:
    config = source.get("config") or {}
    return {
        "title": source.get("title") or "",
        "name": source["name"],
        "url": source["url"],
        "source_type": source["source_type"],
        "owner_org": source["owner_org"],
        "frequency": source["frequency"],
        "enabled": bool(source["enabled"]),
        "notes": source.get("notes") or "",
        "config": json.dumps(config, ensure_ascii=False, indent=2) if config else "",
    }


def _read_form() -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """(the action payload, the values to show again, errors found before the action)."""
    form = request.form
    values: dict[str, Any] = {
        key: (form.get(key) or "").strip()
        for key in ("title", "name", "url", "source_type", "owner_org", "frequency", "notes")
    }
    values["config"] = form.get("config") or ""
    values["enabled"] = forms.checked(form, "enabled")
    data: dict[str, Any] = {
        key: values[key] or None
        for key in ("title", "name", "url", "source_type", "owner_org", "notes")
    }
    data["frequency"] = values["frequency"] or "MANUAL"
    data["enabled"] = values["enabled"]
    errors: dict[str, list[str]] = {}
    raw = values["config"].strip()
    if not raw:
        data["config"] = {}
    else:
        try:
            data["config"] = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            line, column = getattr(exc, "lineno", "?"), getattr(exc, "colno", "?")
            problem = getattr(exc, "msg", str(exc))
            errors["config"] = [
                _(
                    "This is not valid JSON: %(problem)s at line %(line)s, column %(column)s.",
                    problem=problem,
                    line=line,
                    column=column,
                )
            ]
            # Not an object: the action refuses it as well (so nothing is saved) and reports
            # the other fields' errors with it; the message above replaces its own.
            data["config"] = []
    return data, values, errors


def _render_form(
    source: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, Any],
    status: int = 200,
) -> tuple[str, int]:
    orgs = my_organizations("create_dataset")
    if source is not None and source["owner_org"] not in {o["id"] for o in orgs}:
        department = _department(source["owner_org"])
        orgs = [department, *orgs] if department else orgs
    labels = {
        "title": _("Title"),
        "name": _("Short name"),
        "url": _("Address of the remote catalog"),
        "source_type": _("Source type"),
        "owner_org": _("Department"),
        "frequency": _("Frequency"),
        "enabled": _("Enabled"),
        "notes": _("Notes"),
        "config": _("Configuration (JSON)"),
    }
    shown = {k: forms.messages(v) for k, v in errors.items()}
    summary = [
        {
            "field": key,
            "label": labels.get(key, key),
            "messages": messages,
            "known": key in FORM_FIELDS,
        }
        for key, messages in shown.items()
    ]
    return render_template(
        "harvest_form.html",
        source=source,
        values=values,
        errors=shown,
        summary=summary,
        orgs=orgs,
        source_types=[(t, TYPE_LABELS.get(t, t)) for t in SOURCE_TYPES],
        frequencies=[(f, FREQUENCY_LABELS.get(f, f)) for f in FREQUENCIES],
    ), status


def _save(action: str, data: dict[str, Any], local: dict[str, list[str]]) -> dict[str, Any]:
    """Call the action; errors found while reading the form are merged into its own."""
    try:
        return _call(action, data)
    except ValidationError as exc:
        raise ValidationError({**exc.errors, **local}) from None


@bp.route("/harvest/new", methods=["GET", "POST"])
@login_required
def harvest_new() -> Any:
    orgs = my_organizations("create_dataset")
    if not orgs:
        abort(403)
    if request.method == "GET":
        values: dict[str, Any] = {
            "owner_org": orgs[0]["id"],
            "source_type": "ckan",
            "frequency": "MANUAL",
            "enabled": True,
        }
        wanted = request.args.get("owner_org")
        for org in orgs:
            if wanted in (org["id"], org["name"]):
                values["owner_org"] = org["id"]
        return _render_form(None, values, {})
    data, values, local = _read_form()
    try:
        created = _save("harvest_source_create", forms.for_create(data), local)
    except ValidationError as exc:
        return _render_form(None, values, exc.errors, status=409)
    flash(_("The harvest source was saved. Start a harvest when you are ready."), "success")
    return redirect(url_for("web.harvest_source", name=created["name"]))


@bp.route("/harvest/edit/<name>", methods=["GET", "POST"])
@login_required
def harvest_edit(name: str) -> Any:
    source = _manageable(_source(name))
    if request.method == "GET":
        return _render_form(source, _values_from_source(source), {})
    data, values, local = _read_form()
    data["id"] = source["id"]
    try:
        updated = _save("harvest_source_update", data, local)
    except ValidationError as exc:
        return _render_form(source, values, exc.errors, status=409)
    flash(_("Your changes were saved."), "success")
    return redirect(url_for("web.harvest_source", name=updated["name"]))


# --- a source and its jobs -------------------------------------------------------------------


@bp.get("/harvest/<name>")
@login_required
def harvest_source(name: str) -> str:
    source = _source(name)
    page = page_number()
    # One more than a page: harvest_job_list has no total, the extra job says "there is more".
    jobs = _call(
        "harvest_job_list",
        {
            "source_id": source["id"],
            "limit": MAX_JOBS_SHOWN + 1,
            "offset": (page - 1) * MAX_JOBS_SHOWN,
        },
    )
    more, jobs = len(jobs) > MAX_JOBS_SHOWN, jobs[:MAX_JOBS_SHOWN]
    for job in jobs:
        job["message"] = _message(job["message"])
    return render_template(
        "harvest_source.html",
        source=source,
        page=page,
        more=more,
        organization=_department(source["owner_org"]),
        jobs=jobs,
        config=_shown_config(source.get("config") or {}),
        can_manage=source["owner_org"] in _ids("update_dataset"),
        unfinished=UNFINISHED,
        counts=COUNTS,
        labels=LABELS,
    )


@bp.post("/harvest/<name>/jobs")
@login_required
def harvest_run(name: str) -> Any:
    source = _source(name)
    full = forms.checked(request.form, "full")
    try:
        call("harvest_job_create", action_context(), {"source_id": source["id"], "full": full})
    except NotAuthorized:
        abort(403)
    except ActionError as exc:
        flash_error(exc, field_names=False)
    else:
        if full:
            flash(_("A full re-harvest was queued."), "success")
        else:
            flash(_("A harvest was queued."), "success")
    return redirect(url_for("web.harvest_source", name=source["name"]))


@bp.post("/harvest/<name>/job/<job_id>/abort")
@login_required
def harvest_abort(name: str, job_id: str) -> Any:
    source = _source(name)
    job = _call("harvest_job_show", {"id": job_id})
    if job["source_id"] != source["id"]:
        abort(404)
    try:
        call("harvest_job_abort", action_context(), {"id": job["id"]})
    except NotAuthorized:
        abort(403)
    except ActionError as exc:
        flash_error(exc, field_names=False)
    else:
        flash(_("The job will stop at its next batch of records."), "success")
    return redirect(url_for("web.harvest_source", name=source["name"]))


@bp.route("/harvest/<name>/delete", methods=["GET", "POST"])
@login_required
def harvest_delete(name: str) -> Any:
    source = _source(name)
    if request.method == "GET":
        return render_template("harvest_delete.html", source=_manageable(source))
    clear = forms.checked(request.form, "clear")
    try:
        _call("harvest_source_delete", {"id": source["id"], "clear": clear})
    except ActionError as exc:
        flash_error(exc, field_names=False)
        return redirect(url_for("web.harvest_source", name=source["name"]))
    if clear:
        flash(
            _(
                "The harvest source and the datasets it harvested were deleted. "
                "The datasets can be restored from the dashboard."
            ),
            "success",
        )
    else:
        flash(_("The harvest source was deleted. The datasets it harvested stay."), "success")
    return redirect(url_for("web.harvest_sources"))


# --- a job's report --------------------------------------------------------------------------


@bp.get("/harvest/<name>/job/<job_id>")
@login_required
def harvest_job(name: str, job_id: str) -> str:
    source = _source(name)
    stage = request.args.get("stage", "")
    if stage not in STAGES:
        stage = ""
    page = page_number()
    data: dict[str, Any] = {"id": job_id, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    if stage:
        data["stage"] = stage
    report = _call("harvest_job_report", data)
    if report["job"]["source_id"] != source["id"]:
        abort(404)
    errors = [
        {
            **error,
            "message": _message(error["message"]),
            "field_errors": [
                (key, forms.messages(value)) for key, value in (error.get("fields") or {}).items()
            ],
        }
        for error in report["errors"]
    ]
    job = {**report["job"], "message": _message(report["job"]["message"])}
    return render_template(
        "harvest_job.html",
        source=source,
        job=job,
        seconds=_seconds(job),
        report=report,
        errors=errors,
        stage=stage,
        stages=STAGES,
        counts=COUNTS,
        unfinished=UNFINISHED,
        can_manage=source["owner_org"] in _ids("update_dataset"),
        paging=pagination(report["error_count"], page),
        labels=LABELS,
    )

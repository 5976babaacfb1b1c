"""Department pages: login, dashboard, the dataset form, uploads, publishing, members and API
tokens. Every write is an action call; the action's validation errors come back next to the
fields they belong to."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.actions import call
from portal.auth import accounts
from portal.auth.signin import safe_next, sign_in
from portal.catalog.dictize import upload_filename
from portal.errors import ActionError, NotAuthorized, NotFound, ValidationError
from portal.request_context import action_context
from portal.web import forms, lookups
from portal.web.blueprint import (
    PAGE_SIZE,
    bp,
    client_key,
    dataset_or_404,
    dataset_permissions,
    flash_error,
    my_organizations,
    page_number,
    pagination,
    quote,
)
from portal.web.i18n import bilingual
from schemas.profiles import dataset_types, profile_for_type

# --- login -----------------------------------------------------------------------------------


@bp.route("/user/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        attempt = sign_in(action_context().session, username, password, client_key())
        if attempt.user is not None:
            login_user(attempt.user, remember=bool(request.form.get("remember")))
            g.pop("portal_context", None)
            return redirect(safe_next(request.args.get("next"), url_for("web.dashboard")))
        if attempt.retry_after:
            wait = attempt.retry_after
            error = (
                _(
                    "Too many failed attempts. Please try again in %(seconds)s seconds.",
                    seconds=wait,
                )
                if wait < 60
                else _(
                    "Too many failed attempts. Please try again in %(minutes)s minutes.",
                    minutes=-(-wait // 60),
                )
            )
            page = render_template("login.html", error=error, username=username)
            return page, 429, {"Retry-After": str(attempt.retry_after)}
        error = _("The user name or password is not correct.")
        if attempt.unconfirmed:
            error = _(
                "Your account is not confirmed yet: follow the link in the e-mail we sent you."
            )
    status = 401 if error else 200
    return render_template("login.html", error=error, username=username, **_account_links()), status


def _account_links() -> dict[str, bool]:
    context = action_context()
    return {
        "can_register": accounts.registration_open(context),
        "can_reset": accounts.reset_available(context),
    }


@bp.post("/user/logout")
def logout() -> Any:
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("web.home"))


# --- dashboard -------------------------------------------------------------------------------

GAP_DEPARTMENTS = 5  # departments whose zero-result searches one dashboard lists
GAP_TERMS = 10


def search_gaps(orgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each department's zero-result searches touching its themes (stats_department_searches)."""
    context = action_context()
    return [
        {
            "org": org,
            **call("stats_department_searches", context, {"id": org["id"], "limit": GAP_TERMS}),
        }
        for org in orgs[:GAP_DEPARTMENTS]
    ]



@bp.get("/dashboard")
@login_required
def dashboard() -> str:
    orgs = my_organizations("read")
    editable = {o["id"] for o in my_organizations("update_dataset")}
    chosen = request.args.get("org", "")
    state = request.args.get("state", "")
    names = [o["name"] for o in orgs if not chosen or o["name"] == chosen]
    page = page_number()
    result = {"count": 0, "results": []}
    if names:
        fq = " OR ".join(f"organization:{quote(n)}" for n in names)
        fq_list = [f"({fq})"]
        if state == "draft":
            fq_list.append("state:draft")
        elif state == "private":
            fq_list += ["private:true", "-state:draft"]
        elif state == "public":
            fq_list += ["private:false", "-state:draft"]
        result = call(
            "package_search",
            action_context(),
            {
                "fq_list": fq_list,
                "include_private": True,
                "include_drafts": True,
                "rows": PAGE_SIZE,
                "start": (page - 1) * PAGE_SIZE,
                "sort": "metadata_modified desc",
                "facet": False,
            },
        )
    return render_template(
        "dashboard.html",
        gaps=search_gaps([o for o in orgs if o["name"] in names]),
        orgs=orgs,
        editable=editable,
        chosen=chosen,
        state=state,
        result=result,
        paging=pagination(result["count"], page),
        admin_orgs=my_organizations("manage_group"),
    )


# --- the dataset form ------------------------------------------------------------------------


def _profile(dataset_type: str | None) -> Any:
    if dataset_type not in dataset_types():
        dataset_type = "dataset"
    return profile_for_type(dataset_type)


def _type_options() -> list[tuple[str, str]]:
    return [(t, bilingual(profile_for_type(t).label)) for t in dataset_types()]


def _render_form(
    dataset: dict[str, Any] | None,
    values: dict[str, Any],
    profile_values: dict[str, Any],
    errors: dict[str, Any],
    status: int = 200,
) -> tuple[str, int]:
    profile = _profile(values.get("type"))
    orgs = my_organizations("create_dataset")
    if dataset is not None and dataset["owner_org"] not in {o["id"] for o in orgs}:
        orgs = [dataset["organization"], *orgs]
    shown = {"name", "title", "title_en", "notes", "owner_org", "tags", "groups", "license_id"}
    shown |= {"url", "version", "author", "author_email", "maintainer", "maintainer_email"}
    shown |= {"private", "type"} | profile.field_names
    labels = {
        "name": _("URL name"),
        "title": _("Title (Chinese)"),
        "title_en": _("Title (English)"),
        "notes": _("Description"),
        "owner_org": _("Department"),
        "tags": _("Tags"),
        "groups": _("Themes"),
        "license_id": _("Licence"),
        "url": _("Source web page"),
        "version": _("Version"),
        "author": _("Author"),
        "author_email": _("Author email"),
        "maintainer": _("Maintainer"),
        "maintainer_email": _("Maintainer email"),
    }
    labels.update({f.name: bilingual(f.label) for f in profile.dataset_fields})
    anchors = {"tags": "tag_string"}
    summary = [
        {
            "field": anchors.get(key, key),
            "label": labels.get(key, key),
            "messages": forms.messages(value),
            "known": key in shown,
        }
        for key, value in errors.items()
    ]
    return render_template(
        "dataset_form.html",
        dataset=dataset,
        values=values,
        errors={k: forms.messages(v) for k, v in errors.items()},
        summary=summary,
        profile=profile,
        profile_fields=forms.profile_form(profile, profile_values, errors),
        types=_type_options(),
        orgs=orgs,
        groups=sorted(lookups.groups().values(), key=lambda grp: grp["name"]),
        licenses=list(lookups.licenses().values()),
    ), status


@bp.route("/dataset/new", methods=["GET", "POST"])
@login_required
def dataset_new() -> Any:
    orgs = my_organizations("create_dataset")
    if not orgs:
        abort(403)
    if request.method == "GET":
        values = {"type": request.args.get("type", "dataset"), "owner_org": orgs[0]["id"]}
        if request.args.get("owner_org") in {o["id"] for o in orgs} | {o["name"] for o in orgs}:
            values["owner_org"] = request.args["owner_org"]
        return _render_form(None, values, {}, {})
    profile = _profile(request.form.get("type"))
    data = forms.parse_dataset_form(request.form, profile)
    data["state"] = "draft"
    try:
        created = _write("package_create", forms.for_create(data), profile, create=True)
    except ValidationError as exc:
        return _render_form(None, forms.values_from_payload(data), data, exc.errors, status=409)
    flash(_("The dataset was saved as a draft. Add its files, then publish it."), "success")
    return redirect(url_for("web.resource_new", name=created["name"]))


def _write(action: str, data: dict[str, Any], profile: Any, create: bool) -> dict[str, Any]:
    """Call the action; while the catalog does not accept profile fields yet, retry once with
    them kept as extras (forms.profile_fallback)."""
    try:
        return call(action, action_context(), data)
    except ValidationError as exc:
        fallback = forms.profile_fallback(dict(data), exc.errors, profile)
        if fallback is None:
            raise
        if create:
            fallback = forms.for_create(fallback)
        return call(action, action_context(), fallback)


@bp.route("/dataset/edit/<name>", methods=["GET", "POST"])
@login_required
def dataset_edit(name: str) -> Any:
    dataset = dataset_or_404(name)
    if not dataset_permissions(dataset)["edit"]:
        abort(403)
    if request.method == "GET":
        values = forms.form_values(dataset)
        if request.args.get("type"):
            values["type"] = request.args["type"]
        profile = _profile(values["type"])
        return _render_form(dataset, values, forms.stored_profile_values(dataset, profile), {})
    profile = _profile(request.form.get("type"))
    data = forms.parse_dataset_form(request.form, profile)
    data["id"] = dataset["id"]
    try:
        try:
            updated = call("package_patch", action_context(), data)
        except ValidationError as exc:
            with_extras = {**data, "extras": dataset.get("extras") or []}
            fallback = forms.profile_fallback(with_extras, exc.errors, profile)
            if fallback is None:
                raise
            updated = call("package_patch", action_context(), fallback)
    except ValidationError as exc:
        return _render_form(dataset, forms.values_from_payload(data), data, exc.errors, 409)
    flash(_("Your changes were saved."), "success")
    return redirect(url_for("web.dataset_page", name=updated["name"]))


def _editable_dataset(name: str) -> dict[str, Any]:
    dataset = dataset_or_404(name)
    if not dataset_permissions(dataset)["edit"]:
        abort(403)
    return dataset


@bp.post("/dataset/<name>/publish")
@login_required
def dataset_publish(name: str) -> Any:
    dataset = _editable_dataset(name)
    try:
        call("package_patch", action_context(), {"id": dataset["id"], "state": "active"})
        flash(_("The dataset is published."), "success")
    except ActionError as exc:
        flash_error(exc)
    return redirect(url_for("web.dataset_page", name=name))


@bp.post("/dataset/<name>/visibility")
@login_required
def dataset_visibility(name: str) -> Any:
    dataset = _editable_dataset(name)
    private = request.form.get("private") == "true"
    try:
        call("package_patch", action_context(), {"id": dataset["id"], "private": private})
        if private:
            flash(_("The dataset is now private: only its department can see it."), "success")
        else:
            flash(_("The dataset is now public."), "success")
    except ActionError as exc:
        flash_error(exc)
    return redirect(url_for("web.dataset_page", name=name))


@bp.route("/dataset/<name>/delete", methods=["GET", "POST"])
@login_required
def dataset_delete(name: str) -> Any:
    dataset = _editable_dataset(name)
    if request.method == "GET":
        return render_template("confirm_delete.html", dataset=dataset, resource=None)
    try:
        call("package_delete", action_context(), {"id": dataset["id"]})
    except ActionError as exc:
        flash_error(exc)
        return redirect(url_for("web.dataset_page", name=name))
    flash(_("The dataset was deleted."), "success")
    return redirect(url_for("web.dashboard"))


@bp.post("/dataset/<name>/restore")
@login_required
def dataset_restore(name: str) -> Any:
    dataset = _editable_dataset(name)
    try:
        call("package_patch", action_context(), {"id": dataset["id"]})
    except ActionError as exc:
        flash_error(exc)
        return redirect(url_for("web.trash"))
    flash(_("The dataset was restored."), "success")
    return redirect(url_for("web.dataset_page", name=name))


@bp.get("/dashboard/deleted")
@login_required
def trash() -> str:
    """Deleted datasets of my departments, each with a button to restore it."""
    page = page_number()
    result = call(
        "package_trash_list",
        action_context(),
        {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
    )
    return render_template("trash.html", result=result, paging=pagination(result["count"], page))


# --- resources -------------------------------------------------------------------------------


@bp.route("/dataset/<name>/resource/new", methods=["GET", "POST"])
@login_required
def resource_new(name: str) -> Any:
    dataset = _editable_dataset(name)
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        upload = request.files.get("upload")
        values = {
            key: (request.form.get(key) or "").strip()
            for key in ("name", "description", "format", "url")
        }
        data: dict[str, Any] = {k: v for k, v in values.items() if v}
        data["package_id"] = dataset["id"]
        if upload is not None and upload.filename:
            data["upload"] = upload
            data.pop("url", None)
        try:
            call("resource_create", action_context(), data)
        except ValidationError as exc:
            errors = {k: forms.messages(v) for k, v in exc.errors.items()}
            status = 409
        else:
            flash(_("The file was added."), "success")
            if request.form.get("again"):
                return redirect(url_for("web.resource_new", name=name))
            return redirect(url_for("web.dataset_page", name=name))
    return render_template(
        "resource_form.html", dataset=dataset, resource=None, values=values, errors=errors
    ), status


@bp.route("/dataset/<name>/resource/<resource_id>/edit", methods=["GET", "POST"])
@login_required
def resource_edit(name: str, resource_id: str) -> Any:
    """Change a resource's name, description or format, replace its file, or switch between an
    uploaded file and a link."""
    dataset = _editable_dataset(name)
    resource = _resource_or_404(dataset, resource_id)
    values = {key: resource.get(key) or "" for key in ("name", "description", "format")}
    values["url"] = resource["url"] if resource.get("url_type") != "upload" else ""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            key: (request.form.get(key) or "").strip()
            for key in ("name", "description", "format", "url")
        }
        data: dict[str, Any] = {"id": resource_id, **values}
        upload = request.files.get("upload")
        if upload is not None and upload.filename:
            # The new file's own type, not the one measured of the file it replaces.
            data.update(upload=upload, url="", mimetype=None)
        elif not values["url"] and resource.get("url_type") == "upload":
            data["url"] = resource["url"]  # no new link: the uploaded file stays
        try:
            call("resource_patch", action_context(), data)
        except ValidationError as exc:
            errors = {k: forms.messages(v) for k, v in exc.errors.items()}
        else:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("web.resource_page", name=name, resource_id=resource_id))
    page = render_template(
        "resource_form.html",
        dataset=dataset,
        resource=resource,
        filename=upload_filename(resource["url"]),
        values=values,
        errors=errors,
    )
    return page, 409 if errors else 200


def _resource_or_404(dataset: dict[str, Any], resource_id: str) -> dict[str, Any]:
    resource = next((r for r in dataset["resources"] if r["id"] == resource_id), None)
    if resource is None:
        abort(404)
    return resource


@bp.route("/dataset/<name>/resource/<resource_id>/delete", methods=["GET", "POST"])
@login_required
def resource_delete(name: str, resource_id: str) -> Any:
    dataset = _editable_dataset(name)
    resource = _resource_or_404(dataset, resource_id)
    if request.method == "GET":
        return render_template("confirm_delete.html", dataset=dataset, resource=resource)
    try:
        call("resource_delete", action_context(), {"id": resource_id})
        flash(_("The file was removed."), "success")
    except ActionError as exc:
        flash_error(exc)
    return redirect(url_for("web.dataset_page", name=name))


# --- department members ----------------------------------------------------------------------


@bp.route("/organization/<name>/members", methods=["GET", "POST"])
@login_required
def members(name: str) -> Any:
    try:
        org = call("organization_show", action_context(), {"id": name, "include_users": True})
    except NotFound:
        abort(404)
    if org["id"] not in {o["id"] for o in my_organizations("manage_group")}:
        abort(403)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        data = {
            "id": org["id"],
            "username": (request.form.get("username") or "").strip(),
            "role": request.form.get("role") or "member",
        }
        try:
            if request.form.get("remove"):
                call("organization_member_delete", action_context(), data)
                flash(_("%(user)s was removed.", user=data["username"]), "success")
            else:
                call("organization_member_create", action_context(), data)
                flash(_("%(user)s is now a member.", user=data["username"]), "success")
            return redirect(url_for("web.members", name=name))
        except ValidationError as exc:
            errors = {k: forms.messages(v) for k, v in exc.errors.items()}
            status = 409
        except (NotFound, NotAuthorized) as exc:
            errors = {"username": [forms.translate_error(exc.message)]}
            status = 409
    return render_template("members.html", org=org, errors=errors), status


# --- API tokens ------------------------------------------------------------------------------


@bp.route("/user/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> Any:
    created = None
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if request.form.get("revoke"):
            try:
                call("api_token_revoke", action_context(), {"jti": request.form["revoke"]})
                flash(_("The token was revoked."), "success")
            except ActionError as exc:
                flash_error(exc)
            return redirect(url_for("web.tokens"))
        label = (request.form.get("name") or "").strip()
        try:
            created = call(
                "api_token_create", action_context(), {"user": current_user.name, "name": label}
            )
        except ValidationError as exc:
            errors = {k: forms.messages(v) for k, v in exc.errors.items()}
            status = 409
    listed = call("api_token_list", action_context(), {})
    response = render_template("tokens.html", tokens=listed, created=created, errors=errors)
    return response, status, {"Cache-Control": "no-store"}

"""Feedback and follow pages: the feedback section of a dataset page (a template partial fed by
`feedback_section`), its post, reply, close, report and moderation forms, the follow buttons,
the department's feedback dashboard, the sysadmins' moderation queue, the Atom feeds (a
dataset's, and each user's behind a secret token) and the signed unsubscribe link of the
mails. Every change is an action call; the pages only hide buttons the caller could not use."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.actions import Context, call
from portal.catalog.queries import find_user
from portal.errors import ActionError, NotFound
from portal.feedback import atom
from portal.feedback.models import DATASET, ORGANIZATION
from portal.feedback.notify import feed_token, signature
from portal.request_context import action_context
from portal.web.blueprint import bp, dataset_or_404, flash_error, my_organizations, show
from portal.web.forms import N_

KIND_LABELS = {
    "comment": _l("Comment"),
    "question": _l("Question"),
    "wrong_data": _l("Wrong data"),
    "broken_link": _l("Broken link"),
    "other": _l("Other"),
}
STATE_LABELS = {"open": _l("Open"), "answered": _l("Answered"), "closed": _l("Closed")}
UNFOLLOW = {DATASET: "unfollow_dataset", ORGANIZATION: "unfollow_group"}
# Messages the feedback actions return; the catalog translates them.
MESSAGES = (
    N_("You have posted too much feedback in the last hour; try again later."),
    N_("This feedback is closed."),
    N_("No resource of this dataset has this id."),
    N_("Feedback is only taken on published datasets."),
    N_("Only the department of the dataset, a sysadmin or its author may reply to feedback."),
    N_("Only the department of the dataset, a sysadmin or its author may close feedback."),
)


def _editable_org_ids() -> set[str]:
    return {o["id"] for o in my_organizations("update_dataset")}


def _can_answer(organization_id: str | None) -> bool:
    if not current_user.is_authenticated:
        return False
    return bool(current_user.sysadmin or organization_id in _editable_org_ids())


@bp.app_template_global()
def feedback_section(dataset: dict[str, Any]) -> dict[str, Any]:
    """What the dataset page's feedback partial shows."""
    context = action_context()
    found = call("feedback_list", context, {"package_id": dataset["id"], "limit": 100})
    following = False
    if current_user.is_authenticated:
        following = call("am_following_dataset", context, {"id": dataset["id"]})
    return {
        "threads": found["results"],
        "count": found["count"],
        "following": following,
        "followers": call("dataset_follower_count", context, {"id": dataset["id"]}),
        "can_answer": _can_answer(dataset.get("owner_org")),
        "kinds": KIND_LABELS,
        "states": STATE_LABELS,
    }


def _back(name: str) -> Any:
    return redirect(url_for("web.dataset_page", name=name) + "#feedback-title")


def _act(name: str, data: dict[str, Any], done: str | None = None) -> bool:
    """Call a write action for a form; its refusal becomes flash messages."""
    try:
        call(name, action_context(), data)
    except NotFound:
        abort(404)
    except ActionError as exc:
        flash_error(exc, field_names=False)
        return False
    if done:
        flash(done, "success")
    return True


@bp.post("/dataset/<name>/feedback")
@login_required
def feedback_post(name: str) -> Any:
    dataset = dataset_or_404(name)
    data = {
        "package_id": dataset["id"],
        "kind": request.form.get("kind", ""),
        "text": request.form.get("text", ""),
        "resource_id": request.form.get("resource") or None,
    }
    _act("feedback_create", data, _("Thank you: your feedback was posted."))
    return _back(dataset["name"])


def _item(feedback_id: str) -> dict[str, Any]:
    return show("feedback_show", {"id": feedback_id})


@bp.post("/feedback/<feedback_id>/reply")
@login_required
def feedback_reply(feedback_id: str) -> Any:
    item = _item(feedback_id)
    text = request.form.get("text", "")
    if request.form.get("close") == "true":
        _act("feedback_close", {"id": item["id"], "text": text}, _("The feedback was closed."))
    else:
        _act("feedback_reply", {"id": item["id"], "text": text}, _("Your reply was posted."))
    return _back(item["package_name"])


@bp.post("/feedback/<feedback_id>/report")
@login_required
def feedback_report(feedback_id: str) -> Any:
    item = _item(feedback_id)
    done = _("Thank you: the moderators will look at it.")
    _act("feedback_report", {"id": item["id"], "reason": request.form.get("reason") or None}, done)
    return _back(item["package_name"])


@bp.post("/feedback/<feedback_id>/moderate")
@login_required
def feedback_moderate(feedback_id: str) -> Any:
    data = {
        "id": feedback_id,
        "moderation": request.form.get("moderation", ""),
        "reply_id": request.form.get("reply") or None,
    }
    _act("feedback_moderate", data, _("Saved."))
    target = request.form.get("next")
    if target == "queue":
        return redirect(url_for("web.feedback_moderation"))
    return _back(_item(feedback_id)["package_name"])


@bp.post("/dataset/<name>/follow")
@login_required
def dataset_follow(name: str) -> Any:
    dataset = dataset_or_404(name)
    if request.form.get("unfollow") == "true":
        _act("unfollow_dataset", {"id": dataset["id"]}, _("You no longer follow this dataset."))
    else:
        done = _("You follow this dataset: its new versions will be mailed to you.")
        _act("follow_dataset", {"id": dataset["id"]}, done)
    return redirect(url_for("web.dataset_page", name=dataset["name"]))


@bp.app_template_global()
def department_following(org: dict[str, Any]) -> dict[str, Any]:
    """What a department page's follow partial shows."""
    context = action_context()
    following = False
    if current_user.is_authenticated:
        following = call("am_following_group", context, {"id": org["id"]})
    return {
        "following": following,
        "followers": call("organization_follower_count", context, {"id": org["id"]}),
    }


@bp.post("/organization/<name>/follow")
@login_required
def department_follow(name: str) -> Any:
    org = show("organization_show", {"id": name, "include_users": False})
    if request.form.get("unfollow") == "true":
        _act("unfollow_group", {"id": org["id"]}, _("You no longer follow this department."))
    else:
        done = _("You follow this department: new versions of its datasets will be mailed to you.")
        _act("follow_group", {"id": org["id"]}, done)
    return redirect(url_for("web.organization_page", name=org["name"]))


@bp.get("/dashboard/feedback")
@login_required
def feedback_dashboard() -> str:
    """Open feedback on the datasets of my departments, and what I follow."""
    context = action_context()
    orgs = my_organizations("update_dataset")
    items: list[dict[str, Any]] = []
    for org in orgs:
        found = call("feedback_list", context, {"organization_id": org["id"], "state": "open"})
        items += found["results"]
    token = feed_token(context.settings, current_user.id)
    return render_template(
        "feedback_dashboard.html",
        orgs=orgs,
        items=items,
        kinds=KIND_LABELS,
        datasets=call("dataset_followee_list", context, {}),
        departments=call("organization_followee_list", context, {}),
        feed_url=url_for("web.user_feed", name=current_user.name, token=token, _external=True),
    )


@bp.get("/admin/feedback")
@login_required
def feedback_moderation() -> str:
    """The sysadmins' queue: reported items, hidden ones included."""
    if not current_user.sysadmin:
        abort(403)
    found = call(
        "feedback_list", action_context(), {"reported": True, "include_hidden": True, "limit": 100}
    )
    return render_template("feedback_moderation.html", items=found["results"], kinds=KIND_LABELS)


# --- Atom feeds ---------------------------------------------------------------------------------


def _atom(body: bytes) -> Response:
    return Response(body, mimetype="application/atom+xml")


@bp.get("/dataset/<name>/activity.atom")
def dataset_feed(name: str) -> Response:
    dataset = dataset_or_404(name)
    if dataset.get("private") or dataset.get("state") != "active":
        abort(404)  # the feed is for public datasets only, whoever asks
    site = request.url_root.rstrip("/")
    changes = show("package_activity_list", {"id": dataset["id"], "limit": 50})
    entries = [atom.entry_of(a, site) for a in changes if a["activity_type"] in atom.TITLES]
    page = url_for("web.dataset_page", name=dataset["name"], _external=True)
    return _atom(atom.feed(dataset["title"], request.url, page, entries))


@bp.get("/user/<name>/feed.atom")
def user_feed(name: str) -> Response:
    """New versions of what a user follows; the token in the URL stands for the login, so a
    feed reader needs no session."""
    context = action_context()
    try:
        user = find_user(context, name)
    except NotFound:
        abort(404)
    token = request.args.get("token", "")
    if not hmac.compare_digest(token, feed_token(context.settings, user.id)):
        abort(404)
    as_user = Context(session=context.session, app=context.app, user=user)
    changes = call("dashboard_activity_list", as_user, {"limit": 50})
    site = request.url_root.rstrip("/")
    entries = [atom.entry_of(a, site) for a in changes]
    page = url_for("web.dashboard", _external=True)
    return _atom(atom.feed(_("What %(name)s follows", name=user.name), request.url, page, entries))


# --- unsubscribing from the mails ---------------------------------------------------------------


def _signed_follow() -> tuple[Any, str, str]:
    values = request.values
    user_id, kind, object_id = values.get("u", ""), values.get("t", ""), values.get("o", "")
    expected = signature(action_context().settings, "unfollow", user_id, kind, object_id)
    if kind not in UNFOLLOW or not hmac.compare_digest(values.get("s", ""), expected):
        abort(404)
    try:
        return find_user(action_context(), user_id), kind, object_id
    except NotFound:
        abort(404)


@bp.route("/follow/unsubscribe", methods=["GET", "POST"])
def follow_unsubscribe() -> str:
    """The mails' link: a page with a button (mail scanners follow links, never forms)."""
    user, kind, object_id = _signed_follow()
    done = False
    if request.method == "POST":
        as_user = Context(session=action_context().session, app=action_context().app, user=user)
        try:
            call(UNFOLLOW[kind], as_user, {"id": object_id})
        except NotFound:
            pass  # already unfollowed (or gone): the outcome the visitor asked for
        done = True
    return render_template("follow_unsubscribe.html", done=done, values=request.values)

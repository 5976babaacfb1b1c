"""The one blueprint of the pages (`web`) and the helpers every page module shares: reading
through an action as a page (not found and not allowed both 404), paging, the caller's
departments and permissions, and an action's refusal as flash messages.

The page modules (portal.web.views, publisher, harvest) add their routes to `bp` and import
from here, never from each other; create_app imports them before it registers the blueprint.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.actions import call
from portal.auth.throttle import address_key
from portal.errors import ActionError, NotAuthorized, NotFound, ValidationError
from portal.request_context import action_context
from portal.web import forms

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)

PAGE_SIZE = 20
MAX_PAGE = 500


def show(action: str, data: dict[str, Any]) -> Any:
    """Call a read action for a page: not found and not allowed both read as 404, so a private
    dataset's existence is not revealed."""
    try:
        return call(action, action_context(), data)
    except (NotFound, NotAuthorized):
        abort(404)


def page_number() -> int:
    try:
        return min(max(int(request.args.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def quote(value: str) -> str:
    return '"' + value.replace('"', '\\"') + '"'


def pagination(count: int, page: int) -> dict[str, int]:
    pages = min(max(ceil(count / PAGE_SIZE), 1), MAX_PAGE)
    return {"page": page, "pages": pages, "count": count}


def dataset_or_404(name: str) -> dict[str, Any]:
    if "." in name or "/" in name:
        abort(404)  # names never contain dots: /dataset/x.ttl belongs to the feeds
    return show("package_show", {"id": name})


def my_organizations(permission: str = "create_dataset") -> list[dict[str, Any]]:
    """Departments where the current user holds a permission (cached for the request)."""
    if not current_user.is_authenticated:
        return []
    cache = g.setdefault("portal_my_orgs", {})
    if permission not in cache:
        cache[permission] = call(
            "organization_list_for_user", action_context(), {"permission": permission}
        )
    return cache[permission]


def dataset_permissions(dataset: dict[str, Any]) -> dict[str, bool]:
    editable = {o["id"] for o in my_organizations("update_dataset")}
    can_edit = dataset.get("owner_org") in editable
    return {"edit": can_edit}


def flash_error(exc: ActionError, field_names: bool = True) -> None:
    """An action's refusal as flash messages, each after its field's name unless the page has
    no fields to name (field_names=False)."""
    if isinstance(exc, ValidationError):
        for key, value in exc.errors.items():
            for message in forms.messages(value):
                flash(f"{key}: {message}" if field_names else message, "error")
    else:
        flash(forms.translate_error(exc.message) or _("That did not work."), "error")


def client_key() -> str:
    """The client's address as the login and registration limits store it: a keyed hash."""
    return address_key(request.remote_addr or "unknown", current_app.config["SECRET_KEY"])

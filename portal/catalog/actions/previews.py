"""The preview of a resource's file, as pages and API clients read it: from the cache the
preview job fills (portal.catalog.previews), never by parsing the file."""

from __future__ import annotations

from typing import Any

from portal.access.guard import require_data
from portal.actions import Context, action, call, validate
from portal.catalog.actions.datasets import IdSchema
from portal.catalog.models import Resource
from portal.catalog.previews import preview_for, preview_job
from portal.privacy.screening import withheld_reason


@action(side_effect_free=True, schema=IdSchema)
def resource_preview_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Return the preview of a resource: "status" ready (with kind table, json, image or none,
    and the rows or text) or pending (being prepared; asking again later gives it)."""
    args = validate(IdSchema(), data_dict)
    # Not found and not allowed exactly as for the resource itself.
    shown = call("resource_show", context, {"id": args["id"]})
    if shown.get("privacy", {}).get("withheld"):
        return withheld(shown["privacy"])
    require_data(context, shown)  # a conditionally open dataset's (portal.access.guard)
    resource = context.session.get(Resource, args["id"])
    preview, stale = preview_for(context.app, resource)
    if stale:
        job = preview_job(context.app, resource)
        if job is not None:
            context.after_commit.append(job)
    return preview


def withheld(privacy: dict[str, Any]) -> dict[str, Any]:
    """No preview of a file the privacy screening holds back from the caller; why, in words
    and by detector (portal.privacy.screening.withheld_reason)."""
    return {"status": "ready", "kind": "none", "reason": "withheld", "truncated": False,
            "privacy": withheld_reason(privacy)}  # fmt: skip

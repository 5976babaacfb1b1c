"""File downloads for uploaded resources."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, redirect

from portal.actions import call
from portal.catalog.models import Resource
from portal.errors import NotAuthorized, NotFound
from portal.web.context import action_context

bp = Blueprint("catalog", __name__)


@bp.get("/dataset/<dataset_id>/resource/<resource_id>/download/<path:filename>")
def download(dataset_id: str, resource_id: str, filename: str) -> Response:
    context = action_context()
    try:
        # resource_show applies the dataset's visibility rules (private, draft, deleted).
        shown = call("resource_show", context, {"id": resource_id})
    except NotFound:
        abort(404)
    except NotAuthorized:
        abort(403)
    resource = context.session.get(Resource, resource_id)
    if (
        resource is None
        or shown["package_id"] != dataset_id
        or resource.url_type != "upload"
        or resource.url != filename
        or not resource.storage_key
    ):
        abort(404)
    storage = context.storage
    redirect_url = storage.download_redirect(resource.storage_key, filename)
    if redirect_url:
        return redirect(redirect_url)
    try:
        chunks = storage.open(resource.storage_key)
    except FileNotFoundError:
        abort(404)
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff",
    }
    if resource.size is not None:
        headers["Content-Length"] = str(resource.size)
    if resource.hash and resource.hash.startswith("sha256:"):
        headers["ETag"] = f'"{resource.hash[7:]}"'
    mimetype = resource.mimetype or "application/octet-stream"
    return Response(chunks, headers=headers, mimetype=mimetype, direct_passthrough=True)

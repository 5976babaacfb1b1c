"""File downloads for uploaded resources, and the counted redirect to linked resources.

Both count the download (portal.stats.counting) once the file is served, or the visitor is
sent on to S3 or to the link's URL; robots and HEAD requests are not counted."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, abort, redirect, request

from portal.actions import call
from portal.catalog.models import Resource
from portal.errors import NotAuthorized, NotFound
from portal.request_context import action_context
from portal.stats.counting import count_download

bp = Blueprint("catalog", __name__)


def shown_resource(resource_id: str) -> dict[str, Any]:
    """resource_show for the caller: it applies the dataset's visibility rules (private,
    draft, deleted)."""
    try:
        return call("resource_show", action_context(), {"id": resource_id})
    except NotFound:
        abort(404)
    except NotAuthorized:
        abort(403)


@bp.get("/dataset/<dataset_id>/resource/<resource_id>/download/<path:filename>")
def download(dataset_id: str, resource_id: str, filename: str) -> Response:
    context = action_context()
    shown = shown_resource(resource_id)
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
        count_download(context.session, request, dataset_id, resource_id)
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
    # Counted last: a failed count rolls the session back, which expires `resource`.
    count_download(context.session, request, dataset_id, resource_id)
    return Response(chunks, headers=headers, mimetype=mimetype, direct_passthrough=True)


@bp.get("/dataset/<dataset_id>/resource/<resource_id>/go")
def go(dataset_id: str, resource_id: str) -> Response:
    """A linked resource's URL through the portal, so following the link is counted as a
    download: a 302 to the URL (http and https only). An uploaded file's download route."""
    shown = shown_resource(resource_id)
    if shown["package_id"] != dataset_id:
        abort(404)
    url = shown.get("url") or ""
    if shown.get("url_type") == "upload":
        return redirect(url)  # the download route counts it
    try:
        parts = urlsplit(url)
    except ValueError:
        abort(404)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        abort(404)
    count_download(action_context().session, request, dataset_id, resource_id)
    response = redirect(url)
    response.headers["Cache-Control"] = "no-store"  # count every visit, not the first one
    return response

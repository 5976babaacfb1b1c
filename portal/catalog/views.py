"""File downloads for uploaded resources, and the counted redirect to linked resources.

Both count the download (portal.stats.counting) once the file is served, or the visitor is
sent on to S3 or to the link's URL; robots and HEAD requests are not counted. Both refuse a
conditionally open dataset's data to callers without access (portal.access.guard), and what
only some callers may get (conditional, private or draft) is marked `private, no-store` so a
shared cache never hands it to someone else."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, abort, redirect, request
from markupsafe import escape

from portal.access.guard import allowed
from portal.actions import call
from portal.catalog.models import Resource
from portal.errors import NotAuthorized, NotFound
from portal.files.preview import decode_text
from portal.privacy.screening import withheld_reason
from portal.request_context import action_context
from portal.stats.counting import count_download

bp = Blueprint("catalog", __name__)
NOT_SHARED = "private, no-store"


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
    if shown.get("privacy", {}).get("withheld"):
        return withheld_page(shown["privacy"])
    if not allowed(shown):
        return conditional_page(dataset_id)
    restricted = _restricted(shown, resource)
    storage = context.storage
    redirect_url = storage.download_redirect(resource.storage_key, filename)
    if redirect_url:
        count_download(context.session, request, dataset_id, resource_id)
        response = redirect(redirect_url)
        if restricted:  # the signed URL is as good as the file for whoever gets it
            response.headers["Cache-Control"] = NOT_SHARED
        return response
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
    if restricted:
        headers["Cache-Control"] = NOT_SHARED
    mimetype = resource.mimetype or "application/octet-stream"
    content_type = mimetype
    if is_text(mimetype):
        chunks, charset = detect_charset(chunks)
        content_type = f"{mimetype}; charset={charset}"
    # Counted last: a failed count rolls the session back, which expires `resource`.
    count_download(context.session, request, dataset_id, resource_id)
    return Response(chunks, headers=headers, content_type=content_type, direct_passthrough=True)


def _restricted(shown: dict[str, Any], resource: Resource) -> bool:
    """Whether the file is for some callers only: conditionally open, or of a dataset that is
    private or not active (one lookup of the dataset, for this one file)."""
    if shown.get("access"):
        return True
    dataset = resource.dataset
    return bool(dataset.private) or dataset.state != "active"


def withheld_page(privacy: dict[str, Any]) -> Response:
    """A file held back by the privacy screening (portal.privacy.screening): said in words,
    in both languages (why: being screened, or personal information found), not a bare 403."""
    reason = withheld_reason(privacy)
    body = (
        "<!doctype html><meta charset=utf-8><title>403</title>"
        "<h1>此文件暂不公开 / This file is withheld</h1>"
        f"<p>{escape(reason['message_zh'])}</p><p>{escape(reason['message_en'])}</p>"
    )
    return Response(body, status=403, content_type="text/html; charset=utf-8")


def conditional_page(dataset_id: str) -> Response:
    """A file of a conditionally open dataset (portal.access.guard), refused in both
    languages with the way to apply."""
    apply = f"/dataset/{quote(dataset_id)}#access"
    body = (
        "<!doctype html><meta charset=utf-8><title>403</title>"
        "<h1>此数据集为有条件开放 / This dataset is conditionally open</h1>"
        f'<p>获批准的申请人才能下载其文件。<a href="{apply}">申请使用</a></p>'
        f'<p>Only approved applicants may download its files. <a href="{apply}">Apply for '
        "access</a></p>"
    )
    response = Response(body, status=403, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = NOT_SHARED  # the same URL works for a grant holder
    return response


TEXT_TYPES = ("application/json", "application/geo+json", "application/xml")
CHARSETS = {
    "utf-8-sig": "utf-8",
    "utf-8": "utf-8",
    "gb18030": "gb18030",
    "big5": "big5",
    "utf-16": "utf-16",
    "latin-1": "iso-8859-1",
}


def is_text(mimetype: str) -> bool:
    return mimetype.startswith("text/") or mimetype in TEXT_TYPES


def detect_charset(chunks: Iterable[bytes]) -> tuple[Iterator[bytes], str]:
    """The charset of a text file from its first 64 KB (UTF-16, UTF-8, GB18030 or Big5, as
    the previews read it), and the chunks to send, the ones read included."""
    chunks = iter(chunks)
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size >= 64 * 1024:
            break
    _text, encoding = decode_text(b"".join(head), complete=False)
    return itertools.chain(head, chunks), CHARSETS.get(encoding, "utf-8")


@bp.get("/dataset/<dataset_id>/resource/<resource_id>/go")
def go(dataset_id: str, resource_id: str) -> Response:
    """A linked resource's URL through the portal, so following the link is counted as a
    download: a 302 to the URL (http and https only). An uploaded file's download route."""
    shown = shown_resource(resource_id)
    if shown["package_id"] != dataset_id:
        abort(404)
    if not allowed(shown):  # a conditionally open dataset's link, refused like its files
        return conditional_page(dataset_id)
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
    # Count every visit, not the first one; a guarded link is for this caller only.
    response.headers["Cache-Control"] = NOT_SHARED if shown.get("access") else "no-store"
    return response

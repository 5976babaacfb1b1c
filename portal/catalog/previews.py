"""Resource previews, computed once in the background and cached.

Parsing a user's file is the one expensive thing a resource page could do, so a page never
does it: after a file is saved the `catalog.resource_preview` job builds the preview (within
portal.files.limits.PREVIEW) and writes it as JSON; pages read that JSON through the
`resource_preview_show` action. A missing or outdated cache entry makes the page say the
preview is being prepared and queue the job once (a "pending" marker keeps further page views
from queueing it again for PENDING_SECONDS).

The cache lives in the storage backend, so web servers and workers on other machines share it,
but beside the files' namespace, not in it: `file:///srv/files` caches under
`/srv/files-previews`, `s3://bucket/files` under `s3://bucket/files-previews`. Derived data can
then be wiped at any time, and listings, backups and purges of the files see only files. One
entry per resource (`<id>.json`), overwritten when the file or its declared format changes: its
fingerprint (the file's key and hash, format, media type and PREVIEW_VERSION) tells whether it
is current.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from flask import current_app

from portal.catalog.models import Resource
from portal.files.preview import build_preview, static_preview
from portal.jobs.queue import task
from portal.storage import Storage, open_storage

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

TASK_NAME = "catalog.resource_preview"
#: Bump when the preview's shape or the parsers change: every cached preview is rebuilt.
PREVIEW_VERSION = "2"
#: A queued preview is not queued again by page views for this long.
PENDING_SECONDS = 600
#: A cache entry is at most a few MB (100 rows of 50 cells of 500 characters).
MAX_ENTRY_BYTES = 16 * 1024 * 1024


def cache_url(storage_url: str) -> str:
    """The storage URL of the preview cache: a sibling of the files' folder or prefix."""
    parts = urlsplit(storage_url)
    path = parts.path.rstrip("/")
    path = f"{path}-previews" if path else "/previews"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def cache_storage(app: Flask) -> Storage:
    storage = app.extensions.get("portal.preview_cache")
    if storage is None:
        settings = app.extensions["portal.settings"]
        storage = open_storage(cache_url(settings.storage_url))
        app.extensions["portal.preview_cache"] = storage
    return storage


def _key(resource_id: str) -> str:
    return f"{resource_id[:3]}/{resource_id}.json"


def _facts(resource: Resource) -> dict[str, Any]:
    return {
        "format": resource.format,
        "mimetype": resource.mimetype,
        "url_type": resource.url_type,
    }


def fingerprint(resource: Resource) -> str:
    source = "\n".join(
        str(part or "")
        for part in (
            PREVIEW_VERSION,
            resource.storage_key,
            resource.hash,
            (resource.format or "").strip().upper(),
            (resource.mimetype or "").lower(),
        )
    )
    return hashlib.sha256(source.encode()).hexdigest()


def read_entry(app: Flask, resource_id: str) -> dict[str, Any] | None:
    storage = cache_storage(app)
    try:
        data = b"".join(storage.open(_key(resource_id)))
    except FileNotFoundError:
        return None
    try:
        entry = json.loads(data)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def write_entry(app: Flask, resource_id: str, entry: dict[str, Any]) -> None:
    data = json.dumps(entry, ensure_ascii=False).encode()
    cache_storage(app).put(_key(resource_id), io.BytesIO(data), MAX_ENTRY_BYTES)


def delete_entry(app: Flask, resource_id: str) -> None:
    cache_storage(app).delete(_key(resource_id))


def preview_for(app: Flask, resource: Resource) -> tuple[dict[str, Any], bool]:
    """The preview a page shows for a resource (a dict with "status": ready or pending), and
    whether the preview job should be queued. Reads the cache only, never the file."""
    fixed = static_preview(_facts(resource))
    if fixed is not None:
        return {"status": "ready", **fixed.as_dict()}, False
    current = fingerprint(resource)
    entry = read_entry(app, resource.id)
    if entry and entry.get("fingerprint") == current:
        if entry.get("status") == "ready" and isinstance(entry.get("preview"), dict):
            return {"status": "ready", **entry["preview"]}, False
        queued = entry.get("queued_at")
        if isinstance(queued, (int, float)) and time.time() - queued < PENDING_SECONDS:
            return pending(), False
    return pending(), True


def pending() -> dict[str, Any]:
    return {"status": "pending", "kind": "none", "reason": "pending", "truncated": False}


def preview_job(app: Flask, resource: Resource) -> Callable[[], None] | None:
    """A hook that marks the resource's preview as pending and queues its job, for after the
    commit that saved the resource (or a page view that found no current preview); None when
    the resource's preview needs no file. The resource's facts are taken now."""
    if static_preview(_facts(resource)) is not None:
        return None
    resource_id, current = resource.id, fingerprint(resource)

    def queue() -> None:
        try:
            write_entry(
                app,
                resource_id,
                {"fingerprint": current, "status": "pending", "queued_at": time.time()},
            )
            app.extensions["portal.queue"].enqueue(TASK_NAME, resource_id)
        except Exception:  # the page queues it again: never fail the request that saved it
            log.exception("Could not queue the preview of resource %s", resource_id)

    return queue


@task(name=TASK_NAME, retries=0)
def build_resource_preview(resource_id: str) -> str:
    """Build and cache the preview of a resource's file, unless the cache is current. Returns
    what happened: built, cached or gone."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.extensions["portal.db"].factory() as session:
        resource = session.get(Resource, resource_id)
        if resource is None or resource.state != "active":
            return "gone"
        current, key, facts = fingerprint(resource), resource.storage_key, _facts(resource)
    entry = read_entry(app, resource_id)
    if entry and entry.get("fingerprint") == current and entry.get("status") == "ready":
        return "cached"
    started = time.monotonic()
    preview = build_preview(app.extensions["portal.storage"], facts, key)
    write_entry(
        app, resource_id, {"fingerprint": current, "status": "ready", "preview": preview.as_dict()}
    )
    log.info(
        "Preview of resource %s: %s %s in %.2f s",
        resource_id, preview.kind, preview.reason or "", time.monotonic() - started,
    )  # fmt: skip
    return "built"

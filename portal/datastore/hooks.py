"""What keeps DataStore tables in step with the catalog: a dataset listener
(app.extensions["portal.dataset_listeners"], called by every write of a dataset or its
resources, inside its transaction).

- a tabular resource (CSV, TSV, XLSX, JSON lines) whose file is new or changed gets a pending
  status and, after the commit, a load job;
- a resource deleted, or purged with its dataset, loses its table after the commit.

A table written through datastore_create records the resource's fingerprint too, so it is not
reloaded from the resource's link until that link or file changes.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from portal.catalog.models import Dataset, Resource
from portal.database import utcnow
from portal.datastore.models import PENDING, DatastoreStatus
from portal.datastore.reading import is_tabular

if TYPE_CHECKING:
    from flask import Flask

    from portal.actions import Context

log = logging.getLogger(__name__)


def source_fingerprint(resource: Resource) -> str:
    parts = (resource.storage_key, resource.hash, resource.url, (resource.format or "").upper())
    return hashlib.sha256("\n".join(str(p or "") for p in parts).encode()).hexdigest()


def loadable(resource: Resource, links: bool) -> bool:
    """A tabular file of its own: uploaded, or linked when links are fetched (never the
    portal's dump of the resource's own table)."""
    if not is_tabular(resource.format) or not resource.url:
        return False
    if resource.url_type == "upload":
        return True
    return links and "/datastore/dump/" not in resource.url


def record_change(context: Context, dataset_id: str) -> None:
    session = context.session
    dataset = session.get(Dataset, dataset_id)
    purged = dataset is None or dataset in session.deleted
    statuses = {
        s.resource_id: s
        for s in session.scalars(
            select(DatastoreStatus).where(DatastoreStatus.package_id == dataset_id)
        )
    }
    active = {} if purged else {r.id: r for r in dataset.resources if r.state == "active"}
    gone = [rid for rid in statuses if rid not in active]
    for rid in gone:
        session.delete(statuses.pop(rid))
    if gone:
        app = context.app
        context.after_commit.append(lambda: drop_tables(app, gone))
    for resource in active.values():
        _queue_if_changed(context, resource, statuses.get(resource.id))


def _queue_if_changed(context: Context, resource: Resource, status: DatastoreStatus | None) -> None:
    fingerprint = source_fingerprint(resource)
    if status is not None and status.fingerprint == fingerprint:
        return
    settings = context.settings
    links = settings.link_check if settings.datastore_links is None else settings.datastore_links
    if status is not None and status.method == "api" and not loadable(resource, links):
        status.fingerprint = fingerprint
        return
    if not loadable(resource, links):
        return
    if status is None:
        status = DatastoreStatus(resource_id=resource.id, package_id=resource.package_id)
        context.session.add(status)
    status.method, status.state, status.fingerprint = "file", PENDING, fingerprint
    status.queued_at, status.error, status.error_row = utcnow(), None, None
    app, resource_id = context.app, resource.id
    context.after_commit.append(lambda: queue_load(app, resource_id, fingerprint))


def queue_load(app: Flask, resource_id: str, fingerprint: str) -> None:
    from portal.datastore.loader import TASK_NAME

    try:
        app.extensions["portal.queue"].enqueue(TASK_NAME, resource_id, fingerprint)
    except Exception:  # the write that queued it succeeded: never fail it afterwards
        log.exception("Could not queue the DataStore load of resource %s", resource_id)


def drop_tables(app: Flask, resource_ids: list[str]) -> None:
    from portal.datastore.engine import open_datastore

    db = open_datastore(app)
    with db.begin() as conn:
        for resource_id in resource_ids:
            db.drop(conn, resource_id)

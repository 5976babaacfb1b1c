"""Screening uploaded tables before they are served, and holding back the ones with personal
information.

After the commit that stores a file, the `privacy.screen` job reads it with the DataStore's
reader (encoding and delimiter detection, the same limits) and scans it column by column
(portal.privacy.scan). A "block" hit opens a finding: while it is open the file's download,
preview and DataStore table are for the department's editors only. A later file resolves or
replaces the finding; a department admin may override it with a written reason.
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import select

from portal.auth.permissions import has_role
from portal.catalog.models import Activity, Resource
from portal.database import utcnow, write_transaction
from portal.datastore.reading import LOAD, Malformed, Table, is_tabular
from portal.files.limits import LimitExceeded
from portal.jobs.queue import task
from portal.privacy.models import OPEN, OVERRIDDEN, PENDING, RESOLVED, WITHHELD, PrivacyFinding
from portal.privacy.scan import scan_table

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from portal.actions import Context
    from portal.catalog.models import Dataset

log = logging.getLogger(__name__)
TASK_NAME = "privacy.screen"
#: A bounded first look (scan_table stops there and says the scan was incomplete).
MAX_ROWS = 100_000
TIME_BUDGET = 20.0


def queue_screening(context: Context, resource: Resource) -> None:
    """Screen the resource's newly stored file once it is committed; a table is withheld
    (a pending finding) from this commit until its scan."""
    app, resource_id, key = context.app, resource.id, resource.storage_key
    if key and is_tabular(resource.format):
        context.session.add(
            PrivacyFinding(
                resource_id=resource_id,
                package_id=resource.package_id,
                storage_key=key,
                state=PENDING,
                report={},
            )
        )
    context.after_commit.append(lambda: _enqueue(app, resource_id, key))


def _enqueue(app: Flask, resource_id: str, key: str | None) -> None:
    try:
        app.extensions["portal.queue"].enqueue(TASK_NAME, resource_id, key)
    except Exception:  # the upload succeeded: never fail it afterwards
        log.exception("Could not queue the privacy screening of resource %s", resource_id)


def scan_file(path: str, fmt: str) -> dict[str, Any] | None:
    """The scan report of a tabular file, or None when it cannot be read as a table (the
    DataStore and the preview cannot show it either)."""
    try:
        table = Table(path, fmt, LOAD)
        headers = table.header()
        report = scan_table(
            headers,
            (cells for _n, cells in table.rows()),
            max_rows=MAX_ROWS,
            time_budget=TIME_BUDGET,
        )
    except (Malformed, LimitExceeded, OSError) as exc:
        log.info("Privacy screening could not read the table: %s", exc)
        return None
    return report.as_dict()


@task(name=TASK_NAME, retries=0)
def screen_resource(resource_id: str, storage_key: str | None) -> str:
    """Scan a resource's file and open, replace or resolve its finding. Returns what
    happened: blocked, clean, superseded or gone."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    factory = app.extensions["portal.db"].factory
    with factory() as session:
        resource = session.get(Resource, resource_id)
        if resource is None or resource.state != "active":
            return "gone"
        if resource.storage_key != storage_key:
            return "superseded"
        fmt = (resource.format or "").strip().upper()
    report = None
    if storage_key and is_tabular(fmt):
        report = _scan_stored(app, storage_key, fmt)
    with factory() as session, write_transaction(session):
        resource = session.get(Resource, resource_id)
        if resource is None or resource.storage_key != storage_key:
            return "superseded"
        return record_report(session, resource, report)


def _scan_stored(app: Flask, key: str, fmt: str) -> dict[str, Any] | None:
    handle, path = tempfile.mkstemp(prefix="privacy-", dir=str(app.instance_path))
    try:
        with os.fdopen(handle, "wb") as target:
            for chunk in app.extensions["portal.storage"].open(key):
                target.write(chunk)
        return scan_file(path, fmt)
    except FileNotFoundError:
        return None
    finally:
        os.unlink(path)


def record_report(session: Session, resource: Resource, report: dict[str, Any] | None) -> str:
    """The scan of the resource's current file: earlier findings are resolved (their file is
    gone); the pending row of this file turns open on a hit, and goes on a clean scan."""
    now = utcnow()
    pending = None
    for finding in current_findings(session, resource.id):
        if pending is None and finding.state == PENDING:
            if finding.storage_key == resource.storage_key:
                pending = finding
                continue
        finding.state, finding.resolved, finding.modified = RESOLVED, now, now
    if not report or not report["blocked"]:
        if pending is not None:
            session.delete(pending)
        return "clean"
    finding = pending or PrivacyFinding(
        resource_id=resource.id, package_id=resource.package_id, storage_key=resource.storage_key
    )
    finding.state, finding.report, finding.modified = OPEN, report, now
    session.add(finding)
    session.flush()
    record_activity(session, None, finding, "blocked resource")
    log.info("Resource %s withheld: personal information found", resource.id)
    return "blocked"


def current_findings(session: Session, resource_id: str) -> list[PrivacyFinding]:
    """The resource's findings that still apply (pending, open or overridden), newest
    first: the first is its current file's."""
    return list(
        session.scalars(
            select(PrivacyFinding)
            .where(
                PrivacyFinding.resource_id == resource_id,
                PrivacyFinding.state.in_((PENDING, OPEN, OVERRIDDEN)),
            )
            .order_by(PrivacyFinding.created.desc())
        )
    )


def privacy_status(context: Context, resource: Resource, dataset: Dataset) -> dict[str, Any] | None:
    """The `privacy` of resource_show (None: no finding applies to its file), with masked
    samples for the department's editors only."""
    found = current_findings(context.session, resource.id)
    if not found:
        return None
    editor = has_role(context, dataset.owner_org, "editor")
    finding = found[0]
    return {
        "state": finding.state,
        "withheld": finding.state in WITHHELD and not editor,
        "columns": summary(finding, samples=editor),
    }


def summary(finding: PrivacyFinding, samples: bool) -> list[dict[str, Any]]:
    """The finding's columns: detectors and counts, with masked samples when asked."""
    columns = []
    for column in finding.report.get("columns", []):
        findings = [
            {k: v for k, v in f.items() if samples or k != "samples"}
            for f in column.get("findings", [])
        ]
        columns.append(
            {"index": column.get("index"), "header": column.get("header"), "findings": findings}
        )
    return columns


def record_activity(
    session: Session, user_id: str | None, finding: PrivacyFinding, what: str
) -> None:
    """In the dataset's activity stream, without samples (masked as they are)."""
    session.add(
        Activity(
            user_id=user_id,
            object_id=finding.package_id,
            activity_type=f"privacy {what}",
            data={
                "privacy": {
                    "finding_id": finding.id,
                    "resource_id": finding.resource_id,
                    "state": finding.state,
                    "reason": finding.override_reason,
                    "columns": summary(finding, samples=False),
                }
            },
        )
    )

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
from portal.catalog.models import Activity, Dataset, Resource
from portal.database import utcnow, write_transaction
from portal.datastore.hooks import source_fingerprint
from portal.datastore.reading import LOAD, Malformed, Table, is_tabular
from portal.files.limits import LimitExceeded
from portal.jobs.queue import task
from portal.net.errors import FetchError
from portal.privacy.detectors import BY_NAME
from portal.privacy.models import (
    OPEN,
    OVERRIDDEN,
    PENDING,
    RESOLVED,
    WITHHELD,
    PrivacyFinding,
    PrivacyScreen,
)
from portal.privacy.scan import scan_table

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from portal.actions import Context

log = logging.getLogger(__name__)
TASK_NAME = "privacy.screen"
#: A bounded first look (scan_table stops there and says the scan was incomplete).
MAX_ROWS = 100_000
TIME_BUDGET = 20.0


def scanned_source(resource: Resource) -> str | None:
    """What a finding of the resource's current source names: the stored file's key, or for
    a link a digest of it (an override applies to that file or link only)."""
    if resource.storage_key:
        return resource.storage_key
    if resource.url:
        return "link:" + source_fingerprint(resource)
    return None


def screenable(context: Context, resource: Resource, public: bool) -> bool:
    """A tabular file of its own: uploaded (screened whatever the dataset), or a link of a
    public dataset when the portal fetches links (PORTAL_DATASTORE_LINKS, else link checks);
    never the portal's dump of the resource's own DataStore table."""
    if not is_tabular(resource.format):
        return False
    if resource.url_type == "upload":
        return bool(resource.storage_key)
    settings = context.settings
    links = settings.link_check if settings.datastore_links is None else settings.datastore_links
    return public and bool(links and resource.url) and "/datastore/dump/" not in resource.url


def queue_screening(context: Context, resource: Resource) -> None:
    """Screen the resource's newly stored file (or link) once it is committed; a table is
    withheld (a pending finding) from this commit until its scan."""
    app, resource_id, source = context.app, resource.id, scanned_source(resource)
    dataset = context.session.get(Dataset, resource.package_id)
    if screenable(context, resource, dataset is not None and not dataset.private):
        context.session.add(
            PrivacyFinding(
                resource_id=resource_id,
                package_id=resource.package_id,
                storage_key=source,
                state=PENDING,
                report={},
            )
        )
    _remember(context.session, resource)
    context.after_commit.append(lambda: _enqueue(app, resource_id, source))


def _remember(session: Session, resource: Resource) -> None:
    screen = session.get(PrivacyScreen, resource.id)
    if screen is None:
        screen = PrivacyScreen(resource_id=resource.id, package_id=resource.package_id)
        session.add(screen)
    screen.source, screen.modified = source_fingerprint(resource), utcnow()


def record_change(context: Context, dataset_id: str) -> None:
    """Dataset listener: every active resource whose source changed since it was last queued
    (a new link, a harvested resource, a private dataset turned public) is screened."""
    session = context.session
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or dataset in session.deleted or dataset.state != "active":
        return
    query = select(PrivacyScreen).where(PrivacyScreen.package_id == dataset_id)
    screens = {s.resource_id: s.source for s in session.scalars(query)}
    for resource in dataset.resources:
        if resource.state != "active" or screens.get(resource.id) == source_fingerprint(resource):
            continue
        # One no longer screened (a link of a private dataset now) is queued too: the job
        # resolves the findings of the file it had.
        if resource.id in screens or screenable(context, resource, not dataset.private):
            queue_screening(context, resource)


def _enqueue(app: Flask, resource_id: str, source: str | None) -> None:
    try:
        app.extensions["portal.queue"].enqueue(TASK_NAME, resource_id, source)
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
def screen_resource(resource_id: str, source: str | None) -> str:
    """Scan a resource's file (stored, or fetched from its link) and open, replace or
    resolve its finding. Returns what happened: blocked, clean, superseded or gone."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    factory = app.extensions["portal.db"].factory
    with factory() as session:
        resource = session.get(Resource, resource_id)
        if resource is None or resource.state != "active":
            return "gone"
        if scanned_source(resource) != source:
            return "superseded"
        pending = any(f.state == PENDING and f.storage_key == source
                      for f in current_findings(session, resource_id))  # fmt: skip
        facts = {"storage_key": resource.storage_key, "url": resource.url,
                 "format": (resource.format or "").strip().upper()}  # fmt: skip
    report = _scan_source(app, facts) if pending else None
    with factory() as session, write_transaction(session):
        resource = session.get(Resource, resource_id)
        if resource is None or scanned_source(resource) != source:
            return "superseded"
        if not pending:  # not screened (no longer tabular, a private link): nothing to scan
            return resolve_stale(session, resource)
        return record_report(session, resource, report)


def resolve_stale(session: Session, resource: Resource) -> str:
    """Resolve the findings of files the resource no longer has; a finding of its current
    source (its DataStore records, say) stays."""
    now, current = utcnow(), scanned_source(resource)
    for finding in current_findings(session, resource.id):
        if finding.storage_key != current:
            finding.state, finding.resolved, finding.modified = RESOLVED, now, now
    return "clean"


def _scan_source(app: Flask, facts: dict[str, Any]) -> dict[str, Any] | None:
    """Spool the file (through the DataStore loader's safe fetcher and limits for a link)
    into the instance folder and scan it; None when it cannot be read as a table."""
    from portal.datastore.loader import spool  # the loader module imports the job queue

    handle, path = tempfile.mkstemp(prefix="privacy-", dir=str(app.instance_path))
    try:
        with os.fdopen(handle, "wb") as target:
            spool(app, facts, target)
        return scan_file(path, facts["format"])
    except (FetchError, FileNotFoundError) as exc:
        log.info("Privacy screening could not read the file: %s", exc)
        return None
    finally:
        os.unlink(path)


def screen_records(context: Context, resource_id: str, records: list[dict[str, Any]]) -> None:
    """The records a DataStore write sends are scanned as they come (they are in memory
    already): a hit withholds the resource and its table with an open finding. A table
    already withheld keeps its finding."""
    if not records:
        return
    headers = list(dict.fromkeys(str(k) for record in records for k in record))
    report = scan_table(headers, ([r.get(h) for h in headers] for r in records),
                        max_rows=MAX_ROWS, time_budget=TIME_BUDGET).as_dict()  # fmt: skip
    if not report["blocked"]:
        return
    session = context.session
    resource = session.get(Resource, resource_id)
    if resource is None or any(f.state == OPEN for f in current_findings(session, resource_id)):
        return
    finding = PrivacyFinding(
        resource_id=resource.id, package_id=resource.package_id,
        storage_key=scanned_source(resource), state=OPEN, report={**report, "source": "datastore"},
    )
    session.add(finding)
    session.flush()
    record_activity(session, context.user_id, finding, "blocked resource")


def withheld_resources(session: Session, dataset_ids: Any) -> list[dict[str, Any]]:
    """The resources of the given datasets (ids, or a select of them) that a finding
    withholds: for reports such as the harvest job's."""
    rows = session.execute(
        select(PrivacyFinding.state, Resource.id, Resource.name, Dataset.id, Dataset.name)
        .join(Resource, Resource.id == PrivacyFinding.resource_id)
        .join(Dataset, Dataset.id == PrivacyFinding.package_id)
        .where(PrivacyFinding.package_id.in_(dataset_ids), PrivacyFinding.state.in_(WITHHELD))
        .where(Resource.state == "active")
        .order_by(Dataset.name, Resource.position)
        .limit(1000)
    )
    return [
        {"state": state, "resource_id": rid, "resource_name": rname, "package_id": did,
         "package_name": dname}
        for state, rid, rname, did, dname in rows
    ]  # fmt: skip


def record_report(session: Session, resource: Resource, report: dict[str, Any] | None) -> str:
    """The scan of the resource's current file: earlier findings are resolved (their file is
    gone; a finding of the DataStore records sent for this source stays, the scan did not
    read them); the pending row of this file turns open on a hit, and goes on a clean scan."""
    now, current = utcnow(), scanned_source(resource)
    pending = None
    for finding in current_findings(session, resource.id):
        if pending is None and finding.state == PENDING and finding.storage_key == current:
            pending = finding
            continue
        if finding.storage_key == current and finding.report.get("source") == "datastore":
            continue
        finding.state, finding.resolved, finding.modified = RESOLVED, now, now
    if not report or not report["blocked"]:
        if pending is not None:
            session.delete(pending)
        return "clean"
    finding = pending or PrivacyFinding(
        resource_id=resource.id, package_id=resource.package_id,
        storage_key=scanned_source(resource),
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


def withheld_reason(privacy: dict[str, Any]) -> dict[str, Any]:
    """Why a file is withheld, for the preview and the pages: its state, the detectors that
    hit (no samples), and a sentence in each language."""
    state = privacy.get("state")
    detectors = sorted({f["detector"] for c in privacy.get("columns", [])
                        for f in c["findings"] if f.get("severity") == "block"})  # fmt: skip
    if state == PENDING:
        zh = "此文件正在进行个人信息筛查，筛查完成前暂不公开。"
        en = "The file is being screened for personal information and is not published yet."
    else:
        labels = "、".join(BY_NAME[d].label for d in detectors) or "个人信息"
        zh = f"此文件疑似包含个人信息（{labels}），在所属部门处理之前暂不公开。"
        en = ("The file appears to contain personal information and is withheld until its "
              "department has reviewed it (masked, replaced or approved).")  # fmt: skip
    return {"state": state, "detectors": detectors, "message_zh": zh, "message_en": en}


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
